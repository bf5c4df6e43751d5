import Engine
import Foundation
import Inventory

extension ProvisionSite {
  /// Plays that put the K3s binary of `inputs.settings.k3sVersion` on `hosts` without
  /// restarting K3s: a rollback's first step (K3s starts with that binary when the restore of
  /// the pre-upgrade snapshot starts it again, as K3s's roll-back procedure says).
  ///
  /// The binary comes from the same place as in `provision` (the release download, checked
  /// against its sha256 file, or `--artifacts`), and replaces the running one by a rename.
  public static func binaryPlays(_ inputs: ProvisionInputs, hosts: [String]) -> [Play] {
    let catalog: ArtifactCatalog?
    if case .artifacts(let directory) = inputs.k3sSource {
      catalog = ArtifactCatalog(directory: directory)
    } else {
      catalog = nil
    }
    let version = inputs.settings.k3sVersion
    let facts = Role("host_facts") { _ in [TaskSpec("host facts", HostFacts())] }
    let binary = Role("k3s_binary", tags: ["k3s"]) { context in
      let asset = try K3sAsset(machine: context.facts.value("arch", on: context.host) ?? "x86_64")
      let resource: any Resource
      switch inputs.k3sSource {
      case .artifacts:
        guard let catalog else { throw PlanError("no artifact directory") }
        let artifact = try catalog.k3s(version: version, asset: asset)
        resource = ManagedFile(
          "/usr/local/bin/k3s",
          content: .artifact(localPath: artifact.path, sha256: artifact.sha256),
          mode: 0o755)
      case .download(let base):
        resource = K3sDownload(version: version, baseURL: base, asset: asset)
      }
      return [TaskSpec("k3s \(version) binary (K3s not restarted)", resource)]
    }
    return [
      Play("host facts", hosts: hosts, roles: [facts]),
      Play("k3s \(version) binary", hosts: hosts, roles: [binary]),
    ]
  }
}
