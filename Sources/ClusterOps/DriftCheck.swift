import Foundation
import Inventory
import Tailscale

/// The comparisons of `cluster-mgr drift`, as a pure function of what was read.
struct DriftCheck {
  /// The inventory's hosts.
  var nodes: [NodeSpec]
  /// Its cluster-wide settings (`k3s_version`).
  var settings: ClusterSettings
  /// The cluster's nodes; nil when no server answered.
  var cluster: [StatusKubeNode]?
  /// The tailnet's view.
  var tailnet: StatusTailnet
  /// Reservations read from hosts' config.yaml, for nodes whose `k3s.io/node-args` annotation
  /// does not say (by host name; a failure says why).
  var configReservations: [String: Result<[String: [String: String]], DriftReadError>] = [:]

  /// The fix for anything provision reconciles.
  static let provisionRemedy =
    "cluster-mgr provision (it reconciles versions, labels, taints and reservations)"

  /// Every finding, host by host in inventory order (cluster-only nodes last), and what could
  /// not be compared.
  func run() -> (findings: [DriftFinding], unchecked: [String]) {
    var findings: [DriftFinding] = []
    var unchecked: [String] = []
    let byName = Dictionary(
      (cluster ?? []).map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
    for node in nodes {
      if tailnet.isKnown { findings += tailnetFindings(node) }
      guard cluster != nil, node.role != nil else { continue }
      guard let kube = byName[node.name] else {
        findings.append(
          DriftFinding(
            kind: .missingFromCluster, host: node.name,
            message: "in the inventory as \(node.role?.rawValue ?? "a node") but not registered "
              + "in the cluster",
            expected: node.role?.rawValue,
            remedy: "cluster-mgr provision --limit \(node.name) (or remove it from the inventory)"
          ))
        continue
      }
      findings += versionFindings(node, kube)
      findings += labelFindings(node, kube)
      findings += taintFindings(node, kube)
      let (reservation, note) = reservationFindings(node, kube)
      findings += reservation
      if let note { unchecked.append(note) }
    }
    if let cluster {
      let names = Set(nodes.map(\.name))
      for kube in cluster where !names.contains(kube.name) {
        findings.append(
          DriftFinding(
            kind: .notInInventory, host: kube.name,
            message: "registered in the cluster (\(kube.statusText)) but not in the inventory",
            actual: kube.roles.joined(separator: ","),
            remedy: "cluster-mgr add-node \(kube.name) --role "
              + "\(kube.roles.contains("control-plane") ? "control-plane" : "worker"), or "
              + "cluster-mgr remove-node \(kube.name) --keep-inventory"))
      }
    }
    return (findings, unchecked)
  }

  func tailnetFindings(_ node: NodeSpec) -> [DriftFinding] {
    guard let peer = tailnet.peers[node.name] else {
      return [
        DriftFinding(
          kind: .notInTailnet, host: node.name,
          message: "no machine of this name or address in the tailnet",
          expected: node.tailscaleIP,
          remedy: "join it to the tailnet (tailscale up), or fix its name or tailscale_ip "
            + "(cluster-mgr discover lists the tailnet)")
      ]
    }
    var findings: [DriftFinding] = []
    if let recorded = node.tailscaleIP, !recorded.isEmpty,
      !peer.tailscaleIPs.contains(where: { IPAddressText.same($0, recorded) })
    {
      findings.append(
        DriftFinding(
          kind: .tailscaleAddress, host: node.name,
          message: "tailscale_ip is \(recorded) but the tailnet gives it "
            + (peer.ipv4 ?? peer.tailscaleIPs.first ?? "no address"),
          expected: recorded, actual: peer.ipv4 ?? peer.tailscaleIPs.first,
          remedy: "update tailscale_ip in the inventory (cluster-mgr inventory set), then "
            + "cluster-mgr provision"))
    }
    if !peer.online {
      let seen = peer.lastSeen.map { " (last seen \(StatusJSON.date($0)))" } ?? ""
      findings.append(
        DriftFinding(
          kind: .offline, host: node.name, message: "offline in the tailnet\(seen)",
          expected: "online", actual: "offline",
          remedy: "power on or reconnect the offline hosts (tailscale status on the host)"))
    }
    return findings
  }

  func versionFindings(_ node: NodeSpec, _ kube: StatusKubeNode) -> [DriftFinding] {
    guard let running = kube.kubeletVersion, running != settings.k3sVersion else { return [] }
    return [
      DriftFinding(
        kind: .versionSkew, host: node.name,
        message: "kubelet runs \(running), k3s_version is \(settings.k3sVersion)",
        expected: settings.k3sVersion, actual: running, remedy: Self.provisionRemedy)
    ]
  }

  func labelFindings(_ node: NodeSpec, _ kube: StatusKubeNode) -> [DriftFinding] {
    var findings: [DriftFinding] = []
    let declared = DriftExpectations.labels(node)
    for (key, value) in declared {
      switch kube.labels[key] {
      case nil:
        findings.append(
          DriftFinding(
            kind: .label, host: node.name,
            message: "label \(key)=\(value) is declared but the node does not have it",
            expected: "\(key)=\(value)", remedy: Self.provisionRemedy))
      case let actual? where actual != value:
        findings.append(
          DriftFinding(
            kind: .label, host: node.name,
            message: "label \(key) is \(actual) on the node, \(value) in the inventory",
            expected: "\(key)=\(value)", actual: "\(key)=\(actual)",
            remedy: Self.provisionRemedy))
      default: break
      }
    }
    let declaredKeys = Set(declared.map(\.key))
    let managed = NodeMetadataAnnotations.list(kube.annotations[NodeMetadataAnnotations.labels])
    for key in managed where !declaredKeys.contains(key) {
      guard let actual = kube.labels[key] else { continue }
      findings.append(
        DriftFinding(
          kind: .label, host: node.name,
          message: "label \(key)=\(actual) was set by cluster-mgr but is no longer declared",
          actual: "\(key)=\(actual)", remedy: Self.provisionRemedy))
    }
    return findings
  }

  func taintFindings(_ node: NodeSpec, _ kube: StatusKubeNode) -> [DriftFinding] {
    var findings: [DriftFinding] = []
    let declared = DriftExpectations.taints(node)
    for taint in declared {
      let present = kube.taints.filter { $0.identity == taint.identity }
      if present.isEmpty {
        findings.append(
          DriftFinding(
            kind: .taint, host: node.name,
            message: "taint \(taint.spec) is declared but the node does not have it",
            expected: taint.spec, remedy: Self.provisionRemedy))
      } else if !present.contains(taint) {
        findings.append(
          DriftFinding(
            kind: .taint, host: node.name,
            message: "taint \(taint.identity) is \(present[0].spec) on the node, "
              + "\(taint.spec) in the inventory",
            expected: taint.spec, actual: present[0].spec, remedy: Self.provisionRemedy))
      }
    }
    let declaredIdentities = Set(declared.map(\.identity))
    let managed = NodeMetadataAnnotations.list(kube.annotations[NodeMetadataAnnotations.taints])
    for identity in managed where !declaredIdentities.contains(identity) {
      guard let actual = kube.taints.first(where: { $0.identity == identity }) else { continue }
      findings.append(
        DriftFinding(
          kind: .taint, host: node.name,
          message: "taint \(actual.spec) was set by cluster-mgr but is no longer declared",
          actual: actual.spec, remedy: Self.provisionRemedy))
    }
    return findings
  }

  /// Reservation findings, or a note saying why they could not be compared.
  func reservationFindings(
    _ node: NodeSpec, _ kube: StatusKubeNode
  ) -> ([DriftFinding], String?) {
    if let reason = DriftExpectations.reservationsOverridden(node, settings: settings) {
      return ([], "\(node.name): reservations not compared: \(reason)")
    }
    let running: [String: [String: String]]
    let source: String
    if let arguments = DriftExpectations.kubeletArguments(
      nodeArgs: kube.annotations["k3s.io/node-args"])
    {
      running = DriftExpectations.reservations(kubeletArguments: arguments)
      source = "K3s runs with"
    } else {
      switch configReservations[node.name] {
      case .success(let values)?:
        running = values
        source = "config.yaml has"
      case .failure(let error)?:
        return ([], "\(node.name): reservations not compared: \(error.message)")
      case nil:
        return (
          [], "\(node.name): reservations not compared: no k3s.io/node-args annotation"
        )
      }
    }
    let expected = DriftExpectations.reservations(node)
    var findings: [DriftFinding] = []
    for kind in Set(expected.keys).union(running.keys).sorted() {
      let want = expected[kind] ?? [:]
      let have = running[kind] ?? [:]
      guard !DriftExpectations.same(want, have) else { continue }
      findings.append(
        DriftFinding(
          kind: .reservation, host: node.name,
          message: "\(kind): \(source) \(DriftExpectations.text(have)), the inventory says "
            + DriftExpectations.text(want),
          expected: "\(kind)=\(DriftExpectations.text(want))",
          actual: "\(kind)=\(DriftExpectations.text(have))", remedy: Self.provisionRemedy))
    }
    return (findings, nil)
  }
}

/// The node annotations in which provision records the labels and taints it owns (see
/// `NodeMetadata` in Roles).
enum NodeMetadataAnnotations {
  static let labels = "cluster-mgr.io/managed-labels"
  static let taints = "cluster-mgr.io/managed-taints"

  /// The comma-separated entries of an annotation.
  static func list(_ text: String?) -> [String] {
    (text ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
      .filter { !$0.isEmpty }
  }
}

/// A host's reservations could not be read over SSH.
struct DriftReadError: Error, Hashable {
  let message: String
}
