import Foundation
import Inventory
import Tailscale
import TerminalUI

/// What one refresh learnt about one host over SSH.
enum MonitorHostState: Sendable, Hashable {
  /// Read now: the figures.
  case read(NodeUsage, at: Date)
  /// Not read this refresh, for this reason.
  case unreadable(String)
}

/// Builds the monitor's node rows from the inventory, the cluster, the tailnet and the hosts.
enum MonitorNodes {
  /// Inventory hosts in inventory order, then cluster nodes the inventory does not have.
  static func rows(
    inventory: [NodeSpec], cluster: MonitorClusterSnapshot?, clusterIsCurrent: Bool,
    tailnet: StatusTailnet, hosts: [String: MonitorHostState]
  ) -> [MonitorNode] {
    let kubeNodes = Dictionary(
      (cluster?.nodes ?? []).map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
    let activePods = (cluster?.pods ?? []).filter(\.isActive)
    var rows: [MonitorNode] = []
    for spec in inventory {
      let kube = kubeNodes[spec.name]
      let peer = tailnet.peers[spec.name]
      var node = MonitorNode(
        name: spec.name, role: spec.role?.rawValue ?? role(of: kube),
        tailnetOnline: tailnet.isKnown ? (peer?.online ?? false) : nil)
      fill(&node, kube: kube, pods: activePods, registeredIfKnown: cluster != nil)
      var details: [MonitorDetail] = []
      details.append(MonitorDetail("Tailscale IP", peer?.ipv4 ?? spec.tailscaleIP ?? "-"))
      if let recorded = spec.tailscaleIP, let actual = peer?.ipv4, recorded != actual {
        details.append(MonitorDetail("Inventory IP", "\(recorded) (the tailnet says \(actual))"))
      }
      details.append(
        MonitorDetail("SSH", "\(spec.user.map { "\($0)@" } ?? "")\(spec.address):\(spec.port)"))
      if let peer, !peer.online, let seen = peer.lastSeen {
        details.append(MonitorDetail("Tailnet", "offline, last seen \(StatusJSON.date(seen))"))
      }
      switch hosts[spec.name] {
      case .read(let usage, let at)?:
        node.usage = usage
        node.usageReadAt = at
        node.isReadable = true
      case .unreadable(let reason)?:
        node.isReadable = false
        details.append(MonitorDetail("Host", reason))
      case nil:
        node.isReadable = false
      }
      node.details = details + node.details
      if !clusterIsCurrent, cluster != nil {
        node.details.append(MonitorDetail("Cluster state", "as last read"))
      }
      rows.append(node)
    }
    let names = Set(inventory.map(\.name))
    for kube in cluster?.nodes ?? [] where !names.contains(kube.name) {
      let peer = tailnet.peers.values.first { $0.tailscaleIPs.contains(kube.internalIP ?? "") }
      var node = MonitorNode(
        name: kube.name, role: role(of: kube),
        tailnetOnline: tailnet.isKnown ? peer?.online : nil)
      fill(&node, kube: kube, pods: activePods, registeredIfKnown: true)
      node.details.insert(
        MonitorDetail("Inventory", "not in the inventory (no SSH figures)"), at: 0)
      rows.append(node)
    }
    return rows
  }

  /// `server` for control-plane nodes, `agent` otherwise.
  static func role(of kube: StatusKubeNode?) -> String {
    guard let kube else { return "-" }
    return kube.roles.contains("control-plane") || kube.roles.contains("master")
      ? "server" : "agent"
  }

  /// The API's side of a row: readiness, version, GPUs, age, and details.
  private static func fill(
    _ node: inout MonitorNode, kube: StatusKubeNode?, pods: [StatusKubePod], registeredIfKnown: Bool
  ) {
    guard let kube else {
      if registeredIfKnown { node.details.append(MonitorDetail("Cluster", "not registered")) }
      return
    }
    node.ready = kube.ready
    node.cordoned = kube.unschedulable
    node.k3sVersion = kube.kubeletVersion
    node.gpuCount = kube.gpuCount
    node.createdAt = kube.createdAt
    var details: [MonitorDetail] = []
    details.append(
      MonitorDetail("Status", kube.statusText + (kube.readyReason.map { " (\($0))" } ?? "")))
    if !kube.roles.isEmpty {
      details.append(MonitorDetail("Roles", kube.roles.joined(separator: ",")))
    }
    if let ip = kube.internalIP { details.append(MonitorDetail("Internal IP", ip)) }
    let onNode = pods.filter { $0.nodeName == kube.name }
    if let allocatable = kube.allocatableMillicores {
      let requested = onNode.reduce(0) { $0 + $1.cpuRequestMillicores }
      details.append(
        MonitorDetail(
          "CPU requests",
          "\(StatusFormat.cores(requested)) of \(StatusFormat.cores(allocatable)) allocatable "
            + "(capacity \(kube.capacityMillicores.map(StatusFormat.cores) ?? "?"))"))
    }
    if let allocatable = kube.allocatableMemory {
      let requested = onNode.reduce(UInt64(0)) { $0 + $1.memoryRequestBytes }
      details.append(
        MonitorDetail(
          "Memory requests",
          "\(StatusFormat.bytes(requested)) of \(StatusFormat.bytes(allocatable)) allocatable "
            + "(capacity \(kube.capacityMemory.map(StatusFormat.bytes) ?? "?"))"))
    }
    details.append(MonitorDetail("Pods", "\(onNode.count) running or pending"))
    if let os = kube.osImage { details.append(MonitorDetail("OS", os)) }
    if let kernel = kube.kernelVersion { details.append(MonitorDetail("Kernel", kernel)) }
    if let runtime = kube.containerRuntime { details.append(MonitorDetail("Runtime", runtime)) }
    let labels = kube.labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
    if !labels.isEmpty { details.append(MonitorDetail("Labels", labels.joined(separator: ", "))) }
    if !kube.taints.isEmpty {
      details.append(MonitorDetail("Taints", kube.taints.map(\.spec).joined(separator: ", ")))
    }
    node.details += details
  }
}
