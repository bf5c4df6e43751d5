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
    /// The release asset, downloaded by the server and applied only if its sha256 is `sha256`.
    case download(url: String, sha256: String)
  }

  /// The install manifest's source.
  public var install: InstallSource
  /// The deploy key for a private SSH repository (nil for HTTPS URLs).
  public var deployKey: DeployKey?

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
  public init(install: InstallSource, deployKey: DeployKey?) {
    self.install = install
    self.deployKey = deployKey
  }
}

/// The `flux` role: the pinned Flux components (server-side apply), the `flux-system` deploy-key
/// Secret, the GitRepository and Kustomization for `git_repo_url`/`git_branch`/`git_path`, and a
/// wait until both are Ready.
enum FluxRole {
  static func make(_ inputs: ProvisionInputs) -> Role {
    Role("flux", tags: ["flux", "gitops"]) { _ in
      let settings = inputs.settings
      guard settings.gitopsEnabled, let url = settings.gitRepoURL, let flux = inputs.flux else {
        return []
      }
      let namespace = settings.fluxNamespace
      var tasks: [Task] = []
      switch flux.install {
      case .file(let path):
        let manifest: String
        do { manifest = try String(contentsOfFile: path, encoding: .utf8) } catch {
          throw PlanError(
            "cannot read the Flux install manifest \(path): \(error.localizedDescription)")
        }
        tasks.append(
          Task(
            "Flux \(settings.fluxVersion) components",
            KubeApply(name: "flux-install", manifest: manifest, serverSide: true)))
      case .download(let downloadURL, let sha256):
        tasks.append(
          Task(
            "Flux \(settings.fluxVersion) components",
            FluxDownloadInstall(version: settings.fluxVersion, url: downloadURL, sha256: sha256)))
      }
      tasks.append(
        Task(
          "Flux CRDs established",
          WaitFor(
            .command(
              Kubectl.call([
                "wait", "--for=condition=Established",
                "crd/gitrepositories.source.toolkit.fluxcd.io",
                "crd/kustomizations.kustomize.toolkit.fluxcd.io", "--timeout=5s",
              ])), timeoutSeconds: 180)))
      tasks.append(
        Task(
          "Flux controllers available",
          WaitFor(
            .command(
              Kubectl.call([
                "-n", namespace, "wait", "--for=condition=Available", "deployment", "--all",
                "--timeout=5s",
              ])), timeoutSeconds: 300)))
      var secretName: String?
      if let key = flux.deployKey {
        let secret = try FluxManifests.deployKeySecret(
          namespace: namespace, privateKey: key.privateKey, publicKey: key.publicKey,
          knownHosts: key.knownHosts)
        tasks.append(
          Task(
            "deploy key Secret flux-system",
            KubeApply(name: "flux-deploy-key", manifest: secret, serverSide: true, secret: true)))
        secretName = "flux-system"
      }
      let sync = try FluxManifests.sync(
        .init(
          namespace: namespace, url: url, branch: settings.gitBranch, path: settings.gitPath,
          secretName: secretName))
      tasks.append(
        Task(
          "GitRepository and Kustomization flux-system",
          KubeApply(name: "flux-sync", manifest: sync, serverSide: false)))
      let readiness = [
        ("GitRepository flux-system Ready", "gitrepository/flux-system", 180),
        ("Kustomization flux-system Ready", "kustomization/flux-system", 600),
      ]
      for (title, object, seconds) in readiness {
        tasks.append(
          Task(
            title,
            WaitFor(
              .command(
                Kubectl.call([
                  "-n", namespace, "wait", object, "--for=condition=Ready", "--timeout=5s",
                ])), timeoutSeconds: seconds)))
      }
      return tasks
    }
  }
}

/// The Flux install manifest downloaded by the server from the release and applied only when
/// its sha256 is the expected one; re-applied when the pinned version changes.
struct FluxDownloadInstall: Resource {
  let version: String
  let url: String
  let sha256: String

  func probeScript(_ context: PlanContext) -> String {
    "command -v k3s >/dev/null 2>&1 && echo \"applied=$(k3s kubectl get configmap \(KubeApply.ledger) -n \(KubeApply.ledgerNamespace) -o jsonpath='{.data.flux-install}' 2>/dev/null)\""
  }

  func plan(current: ProbeSection, context: PlanContext) throws -> Plan {
    if current["applied"] == version { return .ok("Flux \(version) applied") }
    let mismatch =
      ShellQuote.quote("Flux \(version)'s install manifest \(url) has sha256 ") + "\"$got\""
      + ShellQuote.quote(", but cluster-mgr expects \(sha256); nothing was applied")
    let ledgerPatch = JSONText.compact(.map(["data": .map(["flux-install": .string(version)])]))
    let apply = """
      t=$(mktemp) || exit 1
      trap 'rm -f "$t"' EXIT
      curl -fsSL --retry 3 \(ShellQuote.quote(url)) -o "$t" || exit 1
      got=$(sha256sum < "$t" | cut -c1-64)
      [ "$got" = \(ShellQuote.quote(sha256)) ] || { echo \(mismatch) >&2; exit 1; }
      k3s kubectl apply --server-side --force-conflicts -f "$t" || exit 1
      k3s kubectl get configmap \(KubeApply.ledger) -n \(KubeApply.ledgerNamespace) >/dev/null 2>&1 || k3s kubectl create configmap \(KubeApply.ledger) -n \(KubeApply.ledgerNamespace)
      k3s kubectl patch configmap \(KubeApply.ledger) -n \(KubeApply.ledgerNamespace) --type merge -p \(ShellQuote.quote(ledgerPatch))
      """
    return Plan(
      .change, "apply Flux \(version) from \(url) (sha256 \(sha256.prefix(12))…)", apply: apply)
  }
}
