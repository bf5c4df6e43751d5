import Basics
import Engine
import Foundation
import Inventory
import OrderedCollections
import Roles
import SSHTransport
import Tailscale

/// Everything a provision run needs, prepared from the request before any host is touched.
public struct ProvisionSetup: Sendable {
  /// The resolved inventory (with `--extra-vars` applied).
  public let inventory: ResolvedInventory
  /// Inputs of the site.
  public let inputs: ProvisionInputs
  /// The plays to run.
  public let plays: [Play]
  /// SSH targets by host.
  public let targets: [SSHTarget]
  /// Masks every secret this run knows.
  public let redactor: SecretRedactor
  /// Things worth telling the user before the run (e.g. a new deploy key).
  public let notices: [String]
  /// How the API tasks reach the cluster's API (bound to the run's SSH connections when it
  /// starts, for the tunnel).
  public let api: ClusterAPIConnection?

  /// Loads and validates everything `request` needs; throws before touching any host.
  public static func prepare(_ request: ProvisionRequest) async throws -> ProvisionSetup {
    let redactor = SecretRedactor()
    var inventory = try InventoryLoader.load(path: request.inventoryPath)
    if !request.extraVars.isEmpty {
      inventory = inventory.applyingExtraVars(try ExtraVars.parse(request.extraVars))
    }
    let nodes = try inventory.nodes()
    let settings = inventory.clusterSettings
    if let token = settings.token { redactor.register(token) }
    for node in nodes { if let password = node.becomePassword { redactor.register(password) } }
    if let password = request.becomePassword { redactor.register(password) }
    for secret in inventory.vaultSecrets { redactor.register(secret) }

    var selected = Set(nodes.map(\.name))
    if let limit = request.limit, !limit.isEmpty {
      selected = Set(try inventory.selectHosts(limit))
      if selected.isEmpty {
        throw OperationError(
          "--limit \(limit) matches no host", exitStatus: ExitStatus.invalidInput)
      }
    }
    let roleFiles = try RoleFiles.locate()
    let source: K3sSource =
      request.artifactsDirectory.map { .artifacts(directory: $0) }
      ?? .download(baseURL: settings.k3sReleaseURL)
    var notices: [String] = []
    let flux = try fluxInputs(inventory, request: request, redactor: redactor, notices: &notices)
    var inputs = ProvisionInputs(
      nodes: nodes, settings: settings, selected: selected,
      includeClusterSide: request.includeClusterSide,
      k3sSource: source, roleFiles: roleFiles, flux: flux)
    let api = inputs.apiURL.map {
      ClusterAPIConnection(
        url: $0, apiPort: settings.apiPort,
        kubeconfigSource:
          "the admin kubeconfig of \(inputs.firstServer?.name ?? "the first server")")
    }
    inputs.api = api
    let plays = try ProvisionSite.plays(inputs)
    let hostKeys = await ClusterContext.tailnetHostKeys(socket: request.tailscaleSocket)
    let targets = nodes.map { SSHTargets.target(for: $0, trustedHostKeys: hostKeys) }
    return ProvisionSetup(
      inventory: inventory, inputs: inputs, plays: plays, targets: targets, redactor: redactor,
      notices: notices, api: api)
  }

  static func fluxInputs(
    _ inventory: ResolvedInventory, request: ProvisionRequest, redactor: SecretRedactor,
    notices: inout [String]
  ) throws -> FluxInputs? {
    let settings = inventory.clusterSettings
    guard settings.gitopsEnabled, let url = settings.gitRepoURL else { return nil }
    let all = inventory.group("all")?.variables
    let gitKnownHosts = all?["git_known_hosts"]?.value.stringValue
    let version = settings.fluxVersion
    var install: FluxInputs.InstallSource
    if let dir = request.artifactsDirectory,
      case let path = (dir as NSString).appendingPathComponent("flux/\(version)/install.yaml"),
      FileManager.default.fileExists(atPath: path)
    {
      install = .file(path: path)
    } else {
      install = try FluxRelease.download(
        version: version, baseURL: settings.fluxReleaseURL, sha256: settings.fluxInstallSHA256)
    }
    guard settings.fluxNamespace == "flux-system" else {
      throw OperationError(
        "flux_namespace is \(settings.fluxNamespace), but Flux's install manifest puts its controllers in flux-system",
        remedy:
          "remove flux_namespace from the inventory (cluster-mgr installs Flux in flux-system)",
        exitStatus: ExitStatus.invalidInput)
    }
    var deployKey: FluxInputs.DeployKey?
    if url.hasPrefix("ssh://") {
      guard let knownHosts = gitKnownHosts, !knownHosts.isEmpty else {
        throw OperationError(
          "git_repo_url \(url) is an SSH URL but the inventory has no git_known_hosts",
          remedy:
            "set git_known_hosts to the Git host's known_hosts line(s), e.g. from `ssh-keyscan github.com`",
          exitStatus: ExitStatus.invalidInput)
      }
      let pair = try deployKeyPair(
        cluster: settings.clusterName, url: url, create: !request.options.checkMode,
        redactor: redactor, notices: &notices)
      deployKey = FluxInputs.DeployKey(
        privateKey: pair.privateKey, publicKey: pair.publicKey, knownHosts: knownHosts)
    }
    var sopsAgeKey: String?
    if let path = settings.sopsAgeKeyFile {
      let (key, warning) = try SOPSAgeKey.load(path: path, redactor: redactor)
      sopsAgeKey = key
      if let warning { notices.append(warning) }
    }
    return FluxInputs(install: install, deployKey: deployKey, sopsAgeKey: sopsAgeKey)
  }

  /// The cluster's Flux deploy key: kept in cluster-mgr's state directory (0600 in a 0700
  /// directory), created on the first real run; a dry run only says it would create one.
  static func deployKeyPair(
    cluster: String, url: String, create: Bool, redactor: SecretRedactor,
    notices: inout [String]
  ) throws -> DeployKeyPair {
    let keyPath = StatePaths.directory.appendingPathComponent("flux/\(cluster)/identity").path
    if let pair = try DeployKeyPair.load(at: keyPath) {
      redactor.register(pair.privateKey)
      return pair
    }
    guard create else {
      notices.append(
        "--check: a deploy key for Flux would be created in \(keyPath); its public key must then be added to \(url)"
      )
      let placeholder = DeployKeyPair.generate(comment: "flux-\(cluster) (not created: --check)")
      redactor.register(placeholder.privateKey)
      return placeholder
    }
    let (pair, _) = try DeployKeyPair.loadOrCreate(at: keyPath, comment: "flux-\(cluster)")
    redactor.register(pair.privateKey)
    notices.append(
      "A deploy key for Flux was created in \(keyPath). Add this public key to \(url) as a read-only deploy key:\n  \(pair.publicKey)"
    )
    return pair
  }
}
