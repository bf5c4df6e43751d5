import Foundation

/// Draws the current screen's table: a header and one row per item, the selection marked `>`.
struct MonitorListView {
  /// A row of the table.
  struct Row {
    /// Cell texts and styles, one per column.
    var cells: [(text: String, style: Style)]
    /// An extra, indented line under the row (last known figures of an unreadable node).
    var note: String?
  }

  /// A table: its columns, alignments and rows.
  struct Table {
    var columns: [ColumnLayout.Column]
    var alignments: [TextAlignment]
    var rows: [Row]
    var emptyText: String
  }

  let model: MonitorModel
  let state: MonitorState
  let now: Date

  /// Draws the table of the current screen in `rows`, with item `selected` highlighted.
  func draw(_ canvas: inout Canvas, rows: Range<Int>, selected: Int?) {
    guard !rows.isEmpty else { return }
    let table = self.table()
    let layout = ColumnLayout(columns: table.columns)
    let widths = layout.widths(
      rows: table.rows.map { $0.cells.map(\.text) }, available: canvas.width - 2)
    drawCells(
      &canvas, row: rows.lowerBound, texts: table.columns.map(\.title),
      styles: table.columns.map { _ in Style.bold }, widths: widths, alignments: table.alignments)
    let body = (rows.lowerBound + 1)..<rows.upperBound
    guard !body.isEmpty else { return }
    guard !table.rows.isEmpty else {
      canvas.draw(table.emptyText, row: body.lowerBound, column: 2, style: .dim)
      return
    }
    let heights = table.rows.map { $0.note == nil ? 1 : 2 }
    var first = 0
    if let selected {
      while heights[first...selected].reduce(0, +) > body.count, first < selected { first += 1 }
    }
    var row = body.lowerBound
    for index in first..<table.rows.count {
      guard row < body.upperBound else { break }
      let item = table.rows[index]
      let isSelected = index == selected
      drawCells(
        &canvas, row: row, texts: item.cells.map(\.text), styles: item.cells.map(\.style),
        widths: widths, alignments: table.alignments)
      if isSelected { highlight(&canvas, row: row) }
      row += 1
      if let note = item.note, row < body.upperBound {
        canvas.draw(note.truncated(toWidth: canvas.width - 4), row: row, column: 4, style: .dim)
        if isSelected { canvas.restyle(row: row) { $0 + .inverse } }
        row += 1
      }
    }
  }

  private func highlight(_ canvas: inout Canvas, row: Int) {
    canvas.draw(">", row: row, column: 0, style: .bold)
    canvas.restyle(row: row) { $0 + .inverse }
  }

  private func drawCells(
    _ canvas: inout Canvas, row: Int, texts: [String], styles: [Style], widths: [Int?],
    alignments: [TextAlignment]
  ) {
    var column = 2
    for index in texts.indices {
      guard let width = widths[index] else { continue }
      let text = texts[index].truncated(toWidth: width)
      let offset = alignments[index] == .right ? width - text.displayWidth : 0
      canvas.draw(text, row: row, column: column + offset, style: styles[index], limit: width)
      column += width + 2
    }
  }

  private func table() -> Table {
    switch state.screen {
    case .nodes: nodesTable()
    case .workloads: workloadsTable()
    case .events: eventsTable()
    }
  }

  private func emptyText(_ noun: String) -> String {
    if model.refreshedAt == nil { return "loading…" }
    return state.filter.isEmpty ? "no \(noun)" : "no \(noun) match “\(state.filter)”"
  }

  private func nodesTable() -> Table {
    let nodes = MonitorItems.nodes(model, filter: state.filter)
    let rows = nodes.map { node -> Row in
      let ready = MonitorItems.readyText(node.ready, cordoned: node.cordoned)
      let tailnet = MonitorItems.tailnetText(node.tailnetOnline)
      var cells: [(text: String, style: Style)] = [
        (node.name, .plain), (node.role, .plain),
        (ready, node.ready == true ? .green : node.ready == false ? .red : .yellow),
        (
          tailnet,
          node.tailnetOnline == true ? .green : node.tailnetOnline == false ? .red : .yellow
        ),
        (node.k3sVersion ?? "-", .plain),
      ]
      var note: String?
      if !node.isReadable {
        let na: (text: String, style: Style) = ("N/A", .red + .bold)
        cells += [na, na, na]
        if let usage = node.usage {
          note =
            "last known \(MonitorFormat.age(of: node.usageReadAt, now: now)) ago: "
            + usageSummary(usage)
        }
      } else if let usage = node.usage {
        let cpuStyle: Style =
          (usage.cpuPercent ?? 0) >= 90 ? .red : (usage.cpuPercent ?? 0) >= 70 ? .yellow : .plain
        cells += [
          (MonitorFormat.percent(usage.cpuPercent), cpuStyle),
          (MonitorFormat.bytesPair(usage.memoryUsedBytes, usage.memoryTotalBytes), .plain),
          (MonitorFormat.bytesPair(usage.diskUsedBytes, usage.diskTotalBytes), .plain),
        ]
      } else {
        cells += [("-", .dim), ("-", .dim), ("-", .dim)]
      }
      cells += [
        (node.gpuCount.map(String.init) ?? "-", .plain),
        (MonitorFormat.age(of: node.createdAt, now: now), .plain),
      ]
      return Row(cells: cells, note: note)
    }
    return Table(
      columns: [
        .init(title: "NAME", isFlexible: true, minimumWidth: 8),
        .init(title: "ROLE", priority: 5),
        .init(title: "READY"),
        .init(title: "TAILNET", priority: 3),
        .init(title: "K3S", priority: 6),
        .init(title: "CPU"),
        .init(title: "MEMORY", priority: 2),
        .init(title: "DISK", priority: 4),
        .init(title: "GPU", priority: 7),
        .init(title: "AGE", priority: 8),
      ],
      alignments: [.left, .left, .left, .left, .left, .right, .right, .right, .right, .right],
      rows: rows, emptyText: emptyText("nodes"))
  }

  /// `cpu 12%, memory 3.1/15.5 GiB, disk 20.0/97.9 GiB`.
  func usageSummary(_ usage: NodeUsage) -> String {
    "cpu \(MonitorFormat.percent(usage.cpuPercent)), memory "
      + MonitorFormat.bytesPair(usage.memoryUsedBytes, usage.memoryTotalBytes) + ", disk "
      + MonitorFormat.bytesPair(usage.diskUsedBytes, usage.diskTotalBytes)
  }

  private func workloadsTable() -> Table {
    let workloads = MonitorItems.workloads(model, filter: state.filter)
    let rows = workloads.map { workload -> Row in
      let healthStyle: Style =
        switch workload.health {
        case .healthy: .green
        case .progressing: .yellow
        case .degraded, .failed: .red
        case .unknown: .dim
        }
      return Row(cells: [
        (workload.namespace, .plain), (workload.name, .plain), (workload.kind, .plain),
        (
          "\(workload.ready)/\(workload.desired)",
          workload.ready < workload.desired ? .yellow : .plain
        ),
        ("\(workload.restarts)", workload.restarts > 0 ? .yellow : .plain),
        (MonitorItems.healthText(workload.health), healthStyle),
      ])
    }
    return Table(
      columns: [
        .init(title: "NAMESPACE", priority: 3, isFlexible: true, minimumWidth: 6),
        .init(title: "NAME", isFlexible: true, minimumWidth: 8),
        .init(title: "KIND", priority: 4),
        .init(title: "READY"),
        .init(title: "RESTARTS", priority: 2),
        .init(title: "HEALTH"),
      ],
      alignments: [.left, .left, .left, .right, .right, .left],
      rows: rows, emptyText: emptyText("workloads"))
  }

  private func eventsTable() -> Table {
    let events = MonitorItems.events(model, filter: state.filter)
    let rows = events.map { event -> Row in
      let kindStyle: Style =
        switch event.kind {
        case .normal: .plain
        case .warning: .yellow
        case .error: .red
        }
      return Row(cells: [
        (MonitorFormat.age(of: event.time, now: now), .plain),
        (MonitorItems.sourceText(event.source), event.source == .clusterMgr ? .cyan : .plain),
        (MonitorItems.kindText(event.kind), kindStyle),
        (event.object ?? "-", .plain),
        (event.message.replacingOccurrences(of: "\n", with: " "), .plain),
      ])
    }
    return Table(
      columns: [
        .init(title: "AGE"),
        .init(title: "SOURCE", priority: 3),
        .init(title: "TYPE", priority: 2),
        .init(title: "OBJECT", priority: 4, isFlexible: true, minimumWidth: 8),
        .init(title: "MESSAGE", isFlexible: true, minimumWidth: 10),
      ],
      alignments: [.right, .left, .left, .left, .left],
      rows: rows, emptyText: emptyText("events"))
  }
}
