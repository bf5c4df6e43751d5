import Basics
import Foundation

/// What `export` reads from the live cluster in one round trip on a server: the nodes, Flux's
/// sync objects and the NVIDIA device plugin's configuration.
struct ExportedCluster: Sendable {
  /// Every node.
  var nodes: [ExportedNode]
  /// Flux's `flux-system` GitRepository and Kustomization, when Flux runs.
  var flux: Flux?
  /// The NVIDIA device plugin, when cluster-mgr installed it.
  var devicePlugin: DevicePlugin?

  /// What Flux syncs.
  struct Flux: Sendable, Equatable {
    var url: String
    var branch: String?
    var path: String?
    var knownHosts: String?
    var version: String?
  }

  /// How the device plugin shares GPUs.
  struct DevicePlugin: Sendable, Equatable {
    var timeSlicingReplicas: Int?
    var version: String?
  }

  /// The read-only script: each object as JSON after a `@@cm-export NAME` line (`null` when
  /// it does not exist). Of Flux's Secret only `known_hosts` is read: the deploy key stays on
  /// the server.
  static let script = """
    cm_get() { echo "@@cm-export $1"; shift; k3s kubectl "$@" -o json 2>/dev/null || echo null; }
    echo "@@cm-export nodes"
    k3s kubectl get nodes -o json || exit 3
    cm_get gitrepository -n flux-system get gitrepositories.source.toolkit.fluxcd.io flux-system
    cm_get kustomization -n flux-system get kustomizations.kustomize.toolkit.fluxcd.io flux-system
    echo "@@cm-export fluxknownhosts"
    k3s kubectl -n flux-system get secret flux-system -o 'jsonpath={.data.known_hosts}' 2>/dev/null
    echo
    cm_get fluxcrd get crd gitrepositories.source.toolkit.fluxcd.io
    cm_get deviceconfig -n kube-system get configmap nvidia-device-plugin-config
    cm_get deviceplugin -n kube-system get daemonset nvidia-device-plugin-daemonset
    """

  init(nodes: [ExportedNode], flux: Flux?, devicePlugin: DevicePlugin?) {
    self.nodes = nodes
    self.flux = flux
    self.devicePlugin = devicePlugin
  }

  /// Reads the script's output.
  init(output: String) throws {
    var sections: [String: String] = [:]
    var current: String?
    for line in output.split(separator: "\n", omittingEmptySubsequences: false) {
      if line.hasPrefix("@@cm-export ") {
        current = String(line.dropFirst("@@cm-export ".count))
        sections[current!] = ""
      } else if let current {
        sections[current, default: ""] += line + "\n"
      }
    }
    func object(_ name: String) -> [String: Any]? {
      guard let text = sections[name], let data = text.data(using: .utf8) else { return nil }
      return (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
    }
    guard let list = object("nodes"), let items = list["items"] as? [[String: Any]] else {
      throw OperationError("the server's k3s kubectl get nodes printed no node list")
    }
    nodes = items.map(ExportedNode.init)
    flux = Self.flux(
      repository: object("gitrepository"), kustomization: object("kustomization"),
      knownHosts: sections["fluxknownhosts"], crd: object("fluxcrd"))
    devicePlugin = Self.devicePlugin(
      config: object("deviceconfig"), daemonSet: object("deviceplugin"))
  }

  static func flux(
    repository: [String: Any]?, kustomization: [String: Any]?, knownHosts encoded: String?,
    crd: [String: Any]?
  ) -> Flux? {
    guard let spec = repository?["spec"] as? [String: Any], let url = spec["url"] as? String
    else { return nil }
    let knownHosts = encoded.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
      .flatMap { Data(base64Encoded: $0) }
      .flatMap { String(data: $0, encoding: .utf8) }?
      .trimmingCharacters(in: .whitespacesAndNewlines)
    let labels = (crd?["metadata"] as? [String: Any])?["labels"] as? [String: String]
    return Flux(
      url: url, branch: (spec["ref"] as? [String: Any])?["branch"] as? String,
      path: (kustomization?["spec"] as? [String: Any])?["path"] as? String,
      knownHosts: knownHosts, version: labels?["app.kubernetes.io/version"])
  }

  static func devicePlugin(config: [String: Any]?, daemonSet: [String: Any]?) -> DevicePlugin? {
    guard config != nil || daemonSet != nil else { return nil }
    let text = (config?["data"] as? [String: Any])?["config.yaml"] as? String ?? ""
    var replicas: Int?
    if text.contains("timeSlicing") {
      replicas =
        text.split(separator: "\n").compactMap { line -> Int? in
          let trimmed = line.trimmingCharacters(in: .whitespaces)
          guard trimmed.hasPrefix("replicas:") else { return nil }
          return Int(trimmed.dropFirst("replicas:".count).trimmingCharacters(in: .whitespaces))
        }.first
    }
    let containers =
      (((daemonSet?["spec"] as? [String: Any])?["template"] as? [String: Any])?["spec"]
      as? [String: Any])?["containers"] as? [[String: Any]] ?? []
    let image = containers.first?["image"] as? String
    let version = image.flatMap { $0.split(separator: ":").last.map(String.init) }
    return DevicePlugin(timeSlicingReplicas: replicas, version: version)
  }
}
