import Basics
import Engine
import Foundation
import Inventory
import Kubernetes
import OrderedCollections
import Roles

/// The manifest part of `cluster-mgr drift`: each object provision keeps applied (the GPU device
/// plugin and its configuration, Flux's objects), compared field by field with the cluster, as
/// findings of kind `manifest` (a Secret's values are never shown).
enum DriftManifests {
  static func findings(
    context: ClusterContext, access: ClusterAccess, artifactsDirectory: String?
  ) async -> (findings: [DriftFinding], unchecked: [String]) {
    do {
      let inputs = ProvisionInputs(
        nodes: context.nodes, settings: context.settings, roleFiles: try RoleFiles.locate())
      let (findings, unchecked) = try await ManifestDrift.check(
        inputs, deployKey: deployKey(context), sopsAgeKey: sopsAgeKey(context),
        fluxInstall: fluxInstall(context, artifactsDirectory),
        client: try await access.api())
      return (findings.flatMap(driftFindings), unchecked.map { "manifests: \($0)" })
    } catch {
      let message = (error as? any OperatorError)?.message ?? "\(error)"
      return ([], ["manifests: not compared: \(message)"])
    }
  }

  /// One finding per object and field.
  static func driftFindings(_ finding: ManifestDrift.Finding) -> [DriftFinding] {
    let remedy = "cluster-mgr provision (it re-applies exactly the objects that differ)"
    if finding.missing {
      return [
        DriftFinding(
          kind: .manifest, host: ClusterRoles.apiHost,
          message: "\(finding.object) (\(finding.manifest)) does not exist", remedy: remedy)
      ]
    }
    if let conflict = finding.conflict {
      return [
        DriftFinding(
          kind: .manifest, host: ClusterRoles.apiHost,
          message:
            "\(finding.object) (\(finding.manifest)) is owned by another manager: \(conflict)",
          remedy:
            "label it \(ManifestLabel.name)=\(finding.manifest) for cluster-mgr to take it over")
      ]
    }
    return finding.changes.map { change in
      DriftFinding(
        kind: .manifest, host: ClusterRoles.apiHost,
        message: "\(finding.object) \(describe(change))",
        expected: change.secret ? nil : change.new.map(short),
        actual: change.secret ? nil : change.old.map(short), remedy: remedy)
    }
  }

  /// `data.config.yaml: replicas: 2 → replicas: 4`: the field, and what differs (for text over
  /// several lines, the lines that differ).
  static func describe(_ change: FieldDiff.Change) -> String {
    if change.secret { return "\(change.path) differs (secret, not shown)" }
    if let old = change.old?.string, let new = change.new?.string,
      old.contains("\n") || new.contains("\n")
    {
      let before = Set(old.split(separator: "\n")), after = Set(new.split(separator: "\n"))
      let removed = old.split(separator: "\n").filter { !after.contains($0) }
      let added = new.split(separator: "\n").filter { !before.contains($0) }
      return "\(change.path): "
        + "\(removed.map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: "; ")) in the cluster, "
        + "\(added.map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: "; ")) in the manifest"
    }
    return "\(change.path) is \(change.old.map(short) ?? "absent") in the cluster, "
      + "\(change.new.map(short) ?? "absent") in the manifest"
  }

  static func short(_ value: JSONValue) -> String {
    let text = value.string ?? value.text
    return text.count > 80 ? String(text.prefix(79)) + "…" : text
  }

  /// The Flux deploy key on this workstation (never made by drift).
  static func deployKey(_ context: ClusterContext) -> FluxInputs.DeployKey? {
    guard let url = context.settings.gitRepoURL, url.hasPrefix("ssh://"),
      let knownHosts = context.inventory.group("all")?.variables["git_known_hosts"]?.value
        .stringValue
    else { return nil }
    let path = StatePaths.directory.appendingPathComponent(
      "flux/\(context.settings.clusterName)/identity"
    ).path
    guard let pair = try? DeployKeyPair.load(at: path) else { return nil }
    context.redactor.register(pair.privateKey)
    return FluxInputs.DeployKey(
      privateKey: pair.privateKey, publicKey: pair.publicKey, knownHosts: knownHosts)
  }

  /// The age key of `sops_age_key_file` (masked from the moment it is read); nil when the
  /// file cannot be read or holds no key (the Secret is then not compared).
  static func sopsAgeKey(_ context: ClusterContext) -> String? {
    guard context.settings.gitopsEnabled, let path = context.settings.sopsAgeKeyFile else {
      return nil
    }
    return try? SOPSAgeKey.load(path: path, redactor: context.redactor).key
  }

  /// Flux's install manifest: `--artifacts`, else provision's checked download.
  static func fluxInstall(_ context: ClusterContext, _ artifacts: String?) -> String? {
    let version = context.settings.fluxVersion
    let candidates = [
      artifacts.map { ($0 as NSString).appendingPathComponent("flux/\(version)/install.yaml") },
      StatePaths.directory.appendingPathComponent("cache/flux/\(version)/install.yaml").path,
    ].compactMap { $0 }
    return candidates.lazy.compactMap { try? String(contentsOfFile: $0, encoding: .utf8) }.first
  }
}
