import Foundation
import Inventory

/// `status --capacity`: per node and in total, what each resource offers, what is kept from
/// pods, what pods request and what is left — from the API's Node and Pod objects only.
struct StatusCapacity: Sendable, Hashable {
  /// One resource on one node (CPU in millicores, memory in bytes).
  struct Amount: Sendable, Hashable {
    /// `status.capacity`.
    var capacity: Int64?
    /// `status.allocatable`: capacity minus every reservation.
    var allocatable: Int64?
    /// kube-reserved, from the kubelet arguments K3s reports (`k3s.io/node-args`).
    var kubeReserved: Int64?
    /// system-reserved, likewise.
    var systemReserved: Int64?
    /// The requests of the node's pods that are not finished.
    var requested: Int64

    /// Capacity − allocatable: everything kept from pods.
    var reserved: Int64? {
      guard let capacity, let allocatable else { return nil }
      return capacity - allocatable
    }

    /// What is kept beyond kube- and system-reserved (the kubelet's eviction threshold).
    var otherReserved: Int64? {
      reserved.map { max(0, $0 - (kubeReserved ?? 0) - (systemReserved ?? 0)) }
    }

    /// Allocatable − requested: what more pods can still ask for.
    var left: Int64? { allocatable.map { $0 - requested } }

    /// The sum of two nodes' amounts (unknown stays unknown).
    static func + (a: Amount, b: Amount) -> Amount {
      func sum(_ x: Int64?, _ y: Int64?) -> Int64? {
        guard let x, let y else { return nil }
        return x + y
      }
      return Amount(
        capacity: sum(a.capacity, b.capacity), allocatable: sum(a.allocatable, b.allocatable),
        kubeReserved: (a.kubeReserved ?? 0) + (b.kubeReserved ?? 0),
        systemReserved: (a.systemReserved ?? 0) + (b.systemReserved ?? 0),
        requested: a.requested + b.requested)
    }
  }

  /// `nvidia.com/gpu` on one node: shares the device plugin advertises (GPUs × time-slice
  /// replicas) and what pods hold.
  struct GPUs: Sendable, Hashable {
    var capacity: Int64
    var allocatable: Int64
    /// Time-slice replicas per GPU (1 without time-slicing), from the inventory.
    var replicas: Int64
    var requested: Int64

    /// Physical GPUs: capacity ÷ replicas (summed for the total).
    var physical: Int64
    /// Shares pods can still ask for.
    var left: Int64 { allocatable - requested }

    static func + (a: GPUs, b: GPUs) -> GPUs {
      GPUs(
        capacity: a.capacity + b.capacity, allocatable: a.allocatable + b.allocatable,
        replicas: a.replicas, requested: a.requested + b.requested,
        physical: a.physical + b.physical)
    }
  }

  /// One node, or the total.
  struct Row: Sendable, Hashable {
    var name: String
    var cpu: Amount
    var memory: Amount
    var gpus: GPUs
    /// Pods on the node that are not finished.
    var pods: Int
  }

  var nodes: [Row]
  var total: Row

  /// The rows for `nodes` and `pods`; `inventory` and `settings` give the time-slice replicas.
  init(
    nodes: [StatusKubeNode], pods: [StatusKubePod], inventory: [NodeSpec],
    settings: ClusterSettings
  ) {
    let active = pods.filter(\.isActive)
    self.nodes = nodes.sorted { $0.name < $1.name }.map { node in
      let onNode = active.filter { $0.nodeName == node.name }
      let arguments = NodeArguments(json: node.annotations["k3s.io/node-args"])
      let kube = arguments.kubeletReservation("kube-reserved")
      let system = arguments.kubeletReservation("system-reserved")
      let spec =
        inventory.first { $0.name == node.name }
        ?? inventory.first { $0.tailscaleIP != nil && $0.tailscaleIP == node.internalIP }
      let replicas =
        spec?.gpu == true && settings.gpuTimeSlicingEnabled
        ? Int64(max(1, settings.gpuTimeSlicingReplicas)) : 1
      let gpuCapacity = node.capacity["nvidia.com/gpu"].flatMap { Int64($0) } ?? 0
      return Row(
        name: node.name,
        cpu: Amount(
          capacity: node.capacityMillicores, allocatable: node.allocatableMillicores,
          kubeReserved: kube["cpu"].flatMap(StatusQuantity.millicores),
          systemReserved: system["cpu"].flatMap(StatusQuantity.millicores),
          requested: onNode.reduce(0) { $0 + $1.cpuRequestMillicores }),
        memory: Amount(
          capacity: node.capacityMemory.map(Int64.init),
          allocatable: node.allocatableMemory.map(Int64.init),
          kubeReserved: kube["memory"].flatMap(StatusQuantity.bytes).map(Int64.init),
          systemReserved: system["memory"].flatMap(StatusQuantity.bytes).map(Int64.init),
          requested: Int64(onNode.reduce(UInt64(0)) { $0 + $1.memoryRequestBytes })),
        gpus: GPUs(
          capacity: gpuCapacity,
          allocatable: node.allocatable["nvidia.com/gpu"].flatMap { Int64($0) } ?? 0,
          replicas: replicas, requested: onNode.reduce(0) { $0 + $1.gpuRequests },
          physical: gpuCapacity / replicas),
        pods: onNode.count)
    }
    let zero = Row(
      name: "total",
      cpu: Amount(capacity: 0, allocatable: 0, requested: 0),
      memory: Amount(capacity: 0, allocatable: 0, requested: 0),
      gpus: GPUs(capacity: 0, allocatable: 0, replicas: 1, requested: 0, physical: 0), pods: 0)
    var total = self.nodes.reduce(zero) { sum, row in
      Row(
        name: "total", cpu: sum.cpu + row.cpu, memory: sum.memory + row.memory,
        gpus: sum.gpus + row.gpus, pods: sum.pods + row.pods)
    }
    let gpuNodes = self.nodes.filter { $0.gpus.capacity > 0 }
    // One replica count for the cluster when every GPU node has the same, else 0 (mixed).
    let counts = Set(gpuNodes.map(\.gpus.replicas))
    total.gpus.replicas = counts.count == 1 ? counts.first ?? 1 : (counts.isEmpty ? 1 : 0)
    self.total = total
  }
}
