import Basics
import Engine
import Foundation
import Inventory
import OrderedCollections

/// How Flux reaches the cluster and its Git repository.
public struct FluxInputs: Sendable {
  /// Where the pinned Flux install manifest comes from.
  public enum InstallSource: Sendable {
    /// A local copy (`--artifacts DIR` → `DIR/flux/<version>/install.yaml`), applied from the
    /// workstation.
    case file(path: String)
    /// The release asset, downloaded by the workstation and applied only if its sha256 is `sha256`.
    case download(url: String, sha256: String)
  }

  /// The install manifest's source.
  public var install: InstallSource
  /// The deploy key for a private SSH repository (nil for HTTPS URLs).
  public var deployKey: DeployKey?
  /// The age key (`sops_age_key_file`'s content, a secret) the Kustomization decrypts
  /// SOPS-encrypted manifests with; nil: no decryption.
  public var sopsAgeKey: String?

  /// An SSH deploy key and the Git host's known_hosts line(s).
  public struct DeployKey: Sendable {
    /// The OpenSSH private key (secret).
    public var privateKey: String
    /// The public key line (to add to the repository as a read-only deploy key).
    public var publicKey: String
    /// known_hosts lines for the Git host.
    public var knownHosts: String

    /// Creates a deploy key record.
    public init(privateKey: String, publicKey: String, knownHosts: String) {
      self.privateKey = privateKey
      self.publicKey = publicKey
      self.knownHosts = knownHosts
    }
  }

  /// Creates the inputs.
  public init(install: InstallSource, deployKey: DeployKey?, sopsAgeKey: String? = nil) {
    self.install = install
    self.deployKey = deployKey
    self.sopsAgeKey = sopsAgeKey
  }
}

/// The `flux` role, through the API: the pinned Flux components (server-side apply), the
/// `flux-system` deploy-key Secret, the `sops-age` Secret (with `sops_age_key_file`), the
/// GitRepository and Kustomization for
/// `git_repo_url`/`git_branch`/`git_path`, and waits (watches) until the CRDs are established,
/// the controllers available and both objects Ready.
enum FluxRole {
  static func make(_ inputs: ProvisionInputs) -> Role {
    Role("flux", tags: ["flux", "gitops"]) { context in
      let settings = inputs.settings
      guard settings.gitopsEnabled, let url = settings.gitRepoURL, let flux = inputs.flux,
        let reads = ClusterRoles.reads(inputs, context)
      else {
        return []
      }
      let namespace = settings.fluxNamespace
      var tasks: [TaskSpec] = [
        TaskSpec(
          "Flux \(settings.fluxVersion) components",
          FluxInstallApply(version: settings.fluxVersion, source: flux.install, reads: reads)),
        TaskSpec(
          "Flux CRDs established",
          APIWait.condition(
            "Flux CRDs established", apiVersion: "apiextensions.k8s.io/v1",
            kind: "CustomResourceDefinition",
            names: [
              "gitrepositories.source.toolkit.fluxcd.io",
              "kustomizations.kustomize.toolkit.fluxcd.io",
            ], condition: "Established", timeoutSeconds: 180, reads: reads)),
        TaskSpec(
          "Flux controllers available",
          APIWait.condition(
            "Flux controllers available", apiVersion: "apps/v1", kind: "Deployment",
            namespace: namespace, names: [], condition: "Available", timeoutSeconds: 300,
            reads: reads)),
      ]
      if let key = flux.deployKey {
        tasks.append(
          TaskSpec(
            "deploy key Secret flux-system",
            ManifestApply(manifest: try ClusterManifests.deployKey(inputs, key), reads: reads)))
      }
      if let ageKey = flux.sopsAgeKey {
        tasks.append(
          TaskSpec(
            "SOPS age key Secret \(FluxManifests.sopsAgeSecretName)",
            ManifestApply(manifest: try ClusterManifests.sopsAge(inputs, ageKey), reads: reads)))
      }
      tasks.append(
        TaskSpec(
          "GitRepository and Kustomization flux-system",
          ManifestApply(
            manifest: try ClusterManifests.fluxSync(
              inputs, url: url, withDeployKey: flux.deployKey != nil,
              withDecryption: flux.sopsAgeKey != nil), reads: reads)))
      let readiness = [
        ("GitRepository", "source.toolkit.fluxcd.io/v1", 180),
        ("Kustomization", "kustomize.toolkit.fluxcd.io/v1", 600),
      ]
      for (kind, apiVersion, seconds) in readiness {
        tasks.append(
          TaskSpec(
            "\(kind) flux-system Ready",
            APIWait.condition(
              "\(kind) flux-system Ready", apiVersion: apiVersion, kind: kind,
              namespace: namespace, names: ["flux-system"], condition: "Ready",
              timeoutSeconds: seconds, reads: reads)))
      }
      return tasks
    }
  }
}

/// Flux's install manifest applied through the API: a local copy (`--artifacts`), or the release
/// asset downloaded by the workstation (once: kept in cluster-mgr's cache after its sha256 was
/// checked) and applied only when its sha256 is the expected one.
struct FluxInstallApply: APIResource {
  let version: String
  let source: FluxInputs.InstallSource
  let reads: KubeReads

  func plan(_ context: PlanContext) async throws -> APIPlan {
    do {
      _ = try await reads.client()
    } catch {
      // A dry run before K3s runs: say what would be applied, without fetching it.
      return try APIPlan.unavailable(error, would: "apply Flux \(version) from \(origin)", context: context)
    }
    let text = try await FluxInstallManifest.text(version: version, source: source)
    let apply = ManifestApply(
      manifest: try Manifest(name: "flux-install", yaml: text), reads: reads)
    return try await apply.plan(context)
  }

  /// Where the manifest comes from, as the plan says it.
  private var origin: String {
    switch source {
    case .file(let path): return path
    case .download(let url, let sha256): return "\(url) (sha256 \(sha256.prefix(12))…)"
    }
  }
}
