import Foundation
import TerminalUI

extension StatusCapacity {
  /// One table: a line per node and resource (cpu, memory, and gpu where there are GPUs),
  /// then the totals, and what the columns mean.
  func textLines(styler: Styler = .plain, maxWidth: Int? = nil) -> [String] {
    var table = TextTable(columns: [
      .init("NODE"), .init("RESOURCE"), .init("CAPACITY", alignment: .right),
      .init("RESERVED", alignment: .right), .init("KUBE", alignment: .right),
      .init("SYSTEM", alignment: .right), .init("EVICTION", alignment: .right),
      .init("ALLOCATABLE", alignment: .right), .init("REQUESTED", alignment: .right),
      .init("LEFT", alignment: .right),
    ])
    for row in nodes + [total] {
      for line in Self.cells(row) { table.append(line) }
    }
    var lines = ["Capacity (from the API; pods: those not finished):"]
    lines += table.lines(maxWidth: maxWidth, styler: styler)
    lines.append(
      "RESERVED = CAPACITY − ALLOCATABLE: KUBE and SYSTEM are the kube-reserved and "
        + "system-reserved kubelet arguments K3s reports, EVICTION the rest (the kubelet's "
        + "eviction threshold). LEFT = ALLOCATABLE − REQUESTED.")
    if total.gpus.capacity > 0 {
      lines.append(
        "gpu: nvidia.com/gpu shares; with time-slicing each GPU is offered as REPLICAS shares "
          + "(gpu_time_slicing_replicas).")
    }
    return lines
  }

  static func cells(_ row: Row) -> [[String]] {
    func cores(_ value: Int64?) -> String { value.map(StatusFormat.cores) ?? "?" }
    func bytes(_ value: Int64?) -> String {
      guard let value else { return "?" }
      return value < 0
        ? "-" + StatusFormat.bytes(UInt64(-value)) : StatusFormat.bytes(UInt64(value))
    }
    var lines = [
      [
        row.name, "cpu", cores(row.cpu.capacity), cores(row.cpu.reserved),
        cores(row.cpu.kubeReserved ?? 0), cores(row.cpu.systemReserved ?? 0),
        cores(row.cpu.otherReserved), cores(row.cpu.allocatable), cores(row.cpu.requested),
        cores(row.cpu.left),
      ],
      [
        row.name, "memory", bytes(row.memory.capacity), bytes(row.memory.reserved),
        bytes(row.memory.kubeReserved ?? 0), bytes(row.memory.systemReserved ?? 0),
        bytes(row.memory.otherReserved), bytes(row.memory.allocatable),
        bytes(row.memory.requested), bytes(row.memory.left),
      ],
    ]
    let gpus = row.gpus
    if gpus.capacity > 0 {
      let replicas = gpus.replicas == 0 ? "mixed replicas" : "× \(gpus.replicas)"
      lines.append([
        row.name, "gpu", "\(gpus.capacity) (\(gpus.physical) \(replicas))",
        "\(gpus.capacity - gpus.allocatable)", "-", "-", "-", "\(gpus.allocatable)",
        "\(gpus.requested)", "\(gpus.left)",
      ])
    }
    return lines
  }

  /// The JSON object: `nodes` (one per node) and `total`, every amount in base units.
  func jsonObject() -> [String: Any] {
    ["nodes": nodes.map(Self.rowObject), "total": Self.rowObject(total)]
  }

  static func rowObject(_ row: Row) -> [String: Any] {
    func amount(_ amount: Amount, _ unit: String) -> [String: Any] {
      [
        "capacity\(unit)": StatusJSON.value(amount.capacity),
        "reserved\(unit)": StatusJSON.value(amount.reserved),
        "kubeReserved\(unit)": amount.kubeReserved ?? 0,
        "systemReserved\(unit)": amount.systemReserved ?? 0,
        "evictionReserved\(unit)": StatusJSON.value(amount.otherReserved),
        "allocatable\(unit)": StatusJSON.value(amount.allocatable),
        "requested\(unit)": amount.requested,
        "left\(unit)": StatusJSON.value(amount.left),
      ]
    }
    return [
      "name": row.name, "pods": row.pods,
      "cpu": amount(row.cpu, "Millicores"), "memory": amount(row.memory, "Bytes"),
      "gpu": [
        "capacity": row.gpus.capacity, "allocatable": row.gpus.allocatable,
        "timeSliceReplicas": row.gpus.replicas, "physical": row.gpus.physical,
        "requested": row.gpus.requested, "left": row.gpus.left,
      ],
    ]
  }
}
