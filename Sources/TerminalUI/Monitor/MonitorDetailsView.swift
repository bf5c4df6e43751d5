import Foundation

/// Draws the details of the selected node, workload or event in place of the list.
struct MonitorDetailsView {
  let model: MonitorModel
  let state: MonitorState
  let now: Date

  /// Draws the details of item `selected` of the current screen in `rows`.
  func draw(_ canvas: inout Canvas, rows: Range<Int>, selected: Int) {
    guard !rows.isEmpty else { return }
    let (title, fields) = content(selected)
    canvas.draw(title, row: rows.lowerBound, column: 0, style: .bold)
    let labelWidth = (fields.map(\.label.displayWidth).max() ?? 0) + 2
    let valueWidth = canvas.width - 2 - labelWidth
    var lines: [(label: String, value: String, style: Style)] = []
    for field in fields {
      let wrapped = valueWidth > 0 ? field.value.wrapped(toWidth: valueWidth) : [""]
      for (index, part) in wrapped.enumerated() {
        lines.append((index == 0 ? field.label : "", part, field.style))
      }
    }
    let body = (rows.lowerBound + 2)..<rows.upperBound
    for (offset, line) in lines.enumerated() {
      let row = body.lowerBound + offset
      guard row < body.upperBound else { break }
      if row == body.upperBound - 1, offset < lines.count - 1 {
        canvas.draw("…", row: row, column: 2, style: .dim)
        break
      }
      canvas.draw(line.label, row: row, column: 2, style: .dim)
      canvas.draw(line.value, row: row, column: 2 + labelWidth, style: line.style)
    }
  }

  private typealias Field = (label: String, value: String, style: Style)

  private func content(_ selected: Int) -> (String, [Field]) {
    switch state.screen {
    case .nodes:
      let node = MonitorItems.nodes(model, filter: state.filter)[selected]
      return ("Node \(node.name)", nodeFields(node))
    case .workloads:
      let workload = MonitorItems.workloads(model, filter: state.filter)[selected]
      return ("\(workload.kind) \(workload.namespace)/\(workload.name)", workloadFields(workload))
    case .events:
      let event = MonitorItems.events(model, filter: state.filter)[selected]
      return ("Event", eventFields(event))
    }
  }

  private func nodeFields(_ node: MonitorNode) -> [Field] {
    var fields: [Field] = [
      ("Role", node.role, .plain),
      ("Ready", MonitorItems.readyText(node.ready, cordoned: node.cordoned), .plain),
      ("Tailnet", MonitorItems.tailnetText(node.tailnetOnline), .plain),
      ("K3s", node.k3sVersion ?? "-", .plain),
    ]
    let readAge = MonitorFormat.age(of: node.usageReadAt, now: now)
    if let usage = node.usage {
      let memory =
        MonitorFormat.bytesPair(usage.memoryUsedBytes, usage.memoryTotalBytes) + " ("
        + MonitorFormat.share(usage.memoryUsedBytes, usage.memoryTotalBytes) + ")"
      let disk =
        MonitorFormat.bytesPair(usage.diskUsedBytes, usage.diskTotalBytes) + " ("
        + MonitorFormat.share(usage.diskUsedBytes, usage.diskTotalBytes) + ")"
      let cpu = MonitorFormat.percent(usage.cpuPercent)
      if node.isReadable {
        fields += [("CPU", cpu, .plain), ("Memory", memory, .plain), ("Disk", disk, .plain)]
      } else {
        let stale = "N/A — last known \(readAge) ago: "
        fields += [
          ("CPU", stale + cpu, .red), ("Memory", stale + memory, .red),
          ("Disk", stale + disk, .red),
        ]
      }
    } else {
      let value = node.isReadable ? "-" : "N/A"
      fields += [("CPU", value, .plain), ("Memory", value, .plain), ("Disk", value, .plain)]
    }
    fields += [
      ("GPUs", node.gpuCount.map(String.init) ?? "-", .plain),
      ("Age", MonitorFormat.age(of: node.createdAt, now: now), .plain),
    ]
    if node.isReadable {
      fields.append(("Read", node.usageReadAt == nil ? "-" : "\(readAge) ago", .plain))
    } else {
      let last = node.usageReadAt == nil ? "never read" : "last read \(readAge) ago"
      fields.append(("Read", "N/A — host unreachable, \(last)", .red))
    }
    return fields + node.details.map { ($0.label, $0.value, .plain) }
  }

  private func workloadFields(_ workload: MonitorWorkload) -> [Field] {
    [
      ("Namespace", workload.namespace, .plain),
      ("Name", workload.name, .plain),
      ("Kind", workload.kind, .plain),
      ("Ready", "\(workload.ready)/\(workload.desired)", .plain),
      ("Restarts", "\(workload.restarts)", .plain),
      ("Health", MonitorItems.healthText(workload.health), .plain),
    ] + workload.details.map { ($0.label, $0.value, .plain) }
  }

  private func eventFields(_ event: MonitorEvent) -> [Field] {
    [
      ("Age", MonitorFormat.age(of: event.time, now: now) + " ago", .plain),
      ("Source", MonitorItems.sourceText(event.source), .plain),
      ("Type", MonitorItems.kindText(event.kind), .plain),
      ("Object", event.object ?? "-", .plain),
      ("Message", event.message, .plain),
    ]
  }
}
