import Basics
import Foundation
import TerminalUI

extension StatusReport {
  /// The report for people: where the API was read, the nodes table, what the columns mean,
  /// and the pods table when asked for.
  public func textLines(styler: Styler = .plain, maxWidth: Int? = nil) -> [String] {
    var lines: [String] = []
    switch server {
    case .reachable(let name, let route):
      lines.append("API: \(name) at \(route ?? "its address")")
    case .unreachable(_, let tried):
      let names = tried.isEmpty ? "none in the inventory" : tried.joined(separator: ", ")
      lines.append(
        styler.paint("API: unreachable (servers tried: \(names)); cluster columns unknown", .red))
    }
    var table = TextTable(columns: [
      .init("NAME"), .init("ROLES"), .init("STATUS"), .init("K3S"), .init("TAILSCALE IP"),
      .init("TAILNET"), .init("CPU REQ", alignment: .right), .init("MEM REQ", alignment: .right),
      .init("CPU", alignment: .right), .init("MEMORY", alignment: .right),
      .init("DISK", alignment: .right),
    ])
    for node in nodes { table.append(cells(node, styler: styler)) }
    lines += table.lines(maxWidth: maxWidth, styler: styler)
    let outside = nodes.filter { !$0.inInventory }.map(\.name)
    if !outside.isEmpty {
      lines.append("* in the cluster but not in the inventory: " + outside.joined(separator: ", "))
    }
    lines.append(
      "CPU REQ, MEM REQ: what pods request / allocatable (capacity minus reservations), "
        + "from the API.")
    lines.append(
      "CPU, MEMORY, DISK: measured on each host over SSH: busy share of /proc/stat over "
        + "\(Self.seconds(cpuSampleSeconds)) and cores, MemTotal − MemAvailable of "
        + "/proc/meminfo, df of /.")
    if let flux {
      lines.append("")
      lines += StatusFluxText.lines(flux, styler: styler, maxWidth: maxWidth)
    }
    if let capacity {
      lines.append("")
      lines += capacity.textLines(styler: styler, maxWidth: maxWidth)
    }
    if let pods {
      lines.append("")
      if pods.isEmpty {
        lines.append("No pods.")
      } else {
        var podTable = TextTable(columns: [
          .init("NAMESPACE"), .init("NAME"), .init("READY"), .init("STATUS"),
          .init("RESTARTS", alignment: .right), .init("NODE"), .init("AGE", alignment: .right),
        ])
        for pod in pods {
          podTable.append([
            pod.namespace, pod.name, pod.ready, pod.status, String(pod.restarts), pod.node ?? "-",
            pod.createdAt.map { AgeText.kubectlStyle(generatedAt.timeIntervalSince($0)) } ?? "-",
          ])
        }
        lines += podTable.lines(maxWidth: maxWidth, styler: styler)
      }
    }
    return lines
  }

  private func cells(_ node: Node, styler: Styler) -> [String] {
    let unknown = "?"
    let clusterKnown: Bool
    if case .reachable = server { clusterKnown = true } else { clusterKnown = false }
    let name = node.inInventory ? node.name : node.name + " *"
    let roles: String
    let status: String
    if let kube = node.kube {
      roles = kube.roles.isEmpty ? "<none>" : kube.roles.joined(separator: ",")
      let text = kube.statusText
      status = styler.paint(text, kube.ready == true ? .green : .red)
    } else {
      roles = node.inventoryRole.map { "(\($0))" } ?? "-"
      status =
        clusterKnown ? styler.paint("not registered", .red) : styler.paint(unknown, .yellow)
    }
    let version = node.kube?.kubeletVersion ?? (clusterKnown ? "-" : unknown)
    let tailnet: String
    switch node.tailnetOnline {
    case true?: tailnet = styler.paint("online", .green)
    case false?: tailnet = styler.paint("offline", .red)
    case nil: tailnet = styler.paint("unknown", .yellow)
    }
    let cpuRequests =
      node.cpu.map { resource -> String in
        let allocatable = resource.allocatable.map { StatusFormat.cores(Int64($0)) } ?? "?"
        return StatusFormat.cores(Int64(resource.requested)) + "/" + allocatable + " ("
          + StatusFormat.share(resource.requested, of: resource.allocatable ?? 0) + ")"
      } ?? (clusterKnown ? "-" : unknown)
    let memoryRequests =
      node.memory.map { resource -> String in
        guard let allocatable = resource.allocatable else {
          return StatusFormat.bytes(UInt64(resource.requested)) + "/?"
        }
        return StatusFormat.bytesPair(UInt64(resource.requested), UInt64(allocatable)) + " ("
          + StatusFormat.share(resource.requested, of: allocatable) + ")"
      } ?? (clusterKnown ? "-" : unknown)
    var figures = ["-", "-", "-"]
    if let host = node.host {
      let cores = host.cores.map { " of \($0)" } ?? ""
      figures = [
        (host.cpuPercent.map(StatusFormat.percent) ?? "-") + cores,
        StatusFormat.bytesPair(host.memoryUsedBytes, host.memoryTotalBytes),
        StatusFormat.bytesPair(host.diskUsedBytes, host.diskTotalBytes),
      ]
    } else if node.hostProblem != nil {
      figures = Array(repeating: styler.paint("N/A", .red), count: 3)
    }
    return [
      name, roles, status, version, node.tailscaleIP ?? "-", tailnet, cpuRequests,
      memoryRequests,
    ] + figures
  }

  private static func seconds(_ value: Double) -> String {
    value == value.rounded() ? "\(Int(value)) s" : String(format: "%.1f s", value)
  }
}
