import Foundation

/// Draws one monitor frame: title bar, banners, the current screen's list or details, footer,
/// and the help overlay.
struct MonitorRenderer {
  /// The smallest terminal the monitor draws its screens in.
  static let minimumSize = TerminalSize(width: 30, height: 6)

  let model: MonitorModel
  let state: MonitorState
  let size: TerminalSize
  let now: Date

  /// The whole frame.
  func canvas() -> Canvas {
    var canvas = Canvas(width: size.width, height: size.height)
    guard size.width >= Self.minimumSize.width, size.height >= Self.minimumSize.height else {
      drawTooSmall(&canvas)
      return canvas
    }
    drawTitle(&canvas)
    let banners = bannerLines()
    let bannerRows = min(banners.count, size.height - Self.minimumSize.height + 1)
    for (offset, banner) in banners.prefix(bannerRows).enumerated() {
      canvas.fill(row: 1 + offset, style: banner.style)
      canvas.draw("! " + banner.text, row: 1 + offset, column: 0, style: banner.style)
    }
    let body = (1 + bannerRows)..<(size.height - 1)
    let selected = MonitorItems.selectedIndex(state, model)
    if state.isShowingDetails, let selected {
      MonitorDetailsView(model: model, state: state, now: now).draw(
        &canvas, rows: body, selected: selected)
    } else {
      MonitorListView(model: model, state: state, now: now).draw(
        &canvas, rows: body, selected: selected)
    }
    drawFooter(&canvas, row: size.height - 1)
    if state.isShowingHelp { MonitorHelpView.draw(&canvas, rows: body) }
    return canvas
  }

  private func drawTooSmall(_ canvas: inout Canvas) {
    let minimum = Self.minimumSize
    let lines = [
      ("cluster-mgr", Style.bold), ("terminal too small", Style.yellow),
      ("need \(minimum), have \(size)", Style.plain), ("q quits", Style.dim),
    ]
    for (row, line) in lines.prefix(size.height).enumerated() {
      canvas.draw(line.0.truncated(toWidth: size.width), row: row, column: 0, style: line.1)
    }
  }

  private func drawTitle(_ canvas: inout Canvas) {
    var column = canvas.draw("cluster-mgr", row: 0, column: 0, style: .bold)
    for screen in MonitorScreen.allCases {
      let label = "\(screen.title) \(count(screen))"
      column =
        screen == state.screen
        ? canvas.draw("[\(label)]", row: 0, column: column + 2, style: .bold + .inverse)
        : canvas.draw(label, row: 0, column: column + 2)
    }
    let status = statusText()
    let statusColumn = size.width - status.displayWidth
    if statusColumn >= column + 2 {
      canvas.draw(status, row: 0, column: statusColumn, style: .dim)
    }
  }

  private func count(_ screen: MonitorScreen) -> Int {
    switch screen {
    case .nodes: model.nodes.count
    case .workloads: model.workloads.count
    case .events: model.events.count
    }
  }

  private func statusText() -> String {
    guard let refreshedAt = model.refreshedAt else { return "loading…" }
    let updated = "updated \(MonitorFormat.age(of: refreshedAt, now: now)) ago"
    return state.isRefreshing ? "refreshing… · " + updated : updated
  }

  private func bannerLines() -> [(text: String, style: Style)] {
    var banners: [(text: String, style: Style)] = []
    let warning = Style(foreground: .black, background: .yellow)
    if case .unreachable(let lastContact) = model.server {
      let text =
        lastContact.map {
          "server unreachable — showing state from \(MonitorFormat.age(of: $0, now: now)) ago"
        } ?? "server unreachable — no cluster state yet"
      banners.append((text, warning))
    }
    if let error = state.refreshError {
      banners.append(("refresh failed: \(error)", Style(foreground: .white, background: .red)))
    }
    banners += model.notices.map { ($0, warning) }
    return banners
  }

  private func drawFooter(_ canvas: inout Canvas, row: Int) {
    var left = ""
    let ids = MonitorItems.ids(state.screen, model, filter: state.filter)
    let total = count(state.screen)
    if state.isEditingFilter {
      left = "/" + state.filter + "▏"
    } else if !state.filter.isEmpty {
      left = "filter: \(state.filter)  \(ids.count) of \(total)"
    } else if let selected = MonitorItems.selectedIndex(state, model) {
      left = "\(selected + 1) of \(total)"
    }
    // Hints in display order, with the rank in which they are given up when space is short.
    let hints: [(text: String, rank: Int)]
    if state.isEditingFilter {
      hints = [("⏎ keep", 0), ("esc clear", 1)]
    } else if state.isShowingDetails {
      hints = [("↑↓ previous/next", 2), ("esc back", 0), ("? help", 1), ("q quit", 0)]
    } else {
      hints = [
        ("↑↓ move", 3), ("⏎ details", 4), ("tab screen", 5), ("/ filter", 6), ("r refresh", 2),
        ("? help", 1), ("q quit", 0),
      ]
    }
    let column = canvas.draw(
      left, row: row, column: 0, style: state.isEditingFilter ? .bold : .plain)
    var kept = hints
    func text() -> String { kept.map(\.text).joined(separator: "  ") }
    while !kept.isEmpty, text().displayWidth > size.width - column - 2 {
      let drop = kept.indices.max { (kept[$0].rank, $0) < (kept[$1].rank, $1) }!
      kept.remove(at: drop)
    }
    guard !kept.isEmpty else { return }
    canvas.draw(text(), row: row, column: size.width - text().displayWidth, style: .dim)
  }
}
