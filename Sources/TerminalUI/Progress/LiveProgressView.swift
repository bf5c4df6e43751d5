/// Renders live progress for a terminal: one line per host, then a summary line.
///
/// Each line is at most `width - 1` columns, so the terminal never wraps it and the block can
/// be redrawn in place with ``FrameRenderer/inlineDiff(from:to:)``.
public enum LiveProgressView {
  /// Spinner frames, one per tick.
  static let spinner: [Character] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"]

  /// The block for `model` at `now` (since the run started) in a terminal `width` wide, using
  /// at most `maxLines` lines; `tick` advances the spinner.
  public static func lines(
    _ model: ProgressModel, now: Duration, width: Int, maxLines: Int, tick: Int,
    styler: Styler = .plain
  ) -> [String] {
    let usable = width - 1
    guard usable > 0, maxLines > 0 else { return [] }
    let shown = visibleHosts(model.hosts, slots: maxLines - 1)
    let hidden = model.hosts.count - shown.count
    let hostWidth = min(24, shown.map(\.host.displayWidth).max() ?? 0)
    let countTexts = shown.map(countsText)
    let countsWidth = countTexts.map(\.displayWidth).max() ?? 0
    let timeWidth = 7
    // symbol, host, activity (at least 12), counts, time — dropping counts, then time, if narrow.
    var showCounts = true
    var showTime = true
    func activityWidth() -> Int {
      usable - 2 - hostWidth - 2 - (showCounts ? countsWidth + 2 : 0) - (showTime ? timeWidth : 0)
    }
    if activityWidth() < 12 { showCounts = false }
    if activityWidth() < 12 { showTime = false }
    let activity = max(0, activityWidth())

    var lines: [String] = []
    for (index, host) in shown.enumerated() {
      var line = styler.paint(String(symbol(host.phase, tick: tick)), symbolStyle(host.phase))
      line += " " + host.host.fitted(toWidth: hostWidth) + "  "
      let text = activityText(host)
      line += styler.paint(text.fitted(toWidth: activity), activityStyle(host.phase))
      if showCounts {
        line += "  " + countTexts[index].padded(toWidth: countsWidth)
      }
      if showTime {
        let time = host.startedAt == nil ? "" : host.elapsed(at: now).shortDescription
        line += time.padded(toWidth: timeWidth, alignment: .right)
      }
      lines.append(line.truncated(toWidth: usable))
    }
    lines.append(summary(model.hosts, hidden: hidden, now: now).truncated(toWidth: usable))
    return lines
  }

  /// The hosts that fit in `slots` lines: running and failed ones first, in their original order.
  static func visibleHosts(_ hosts: [HostProgress], slots: Int) -> [HostProgress] {
    guard hosts.count > slots else { return hosts }
    guard slots > 0 else { return [] }
    func rank(_ phase: HostPhase) -> Int {
      switch phase {
      case .running: 0
      case .failed, .unreachable: 1
      case .waiting: 2
      case .done: 3
      }
    }
    let chosen = hosts.indices.sorted { (rank(hosts[$0].phase), $0) < (rank(hosts[$1].phase), $1) }
      .prefix(slots).sorted()
    return chosen.map { hosts[$0] }
  }

  private static func symbol(_ phase: HostPhase, tick: Int) -> Character {
    switch phase {
    case .waiting: "·"
    case .running: spinner[((tick % spinner.count) + spinner.count) % spinner.count]
    case .done: "✓"
    case .failed: "✗"
    case .unreachable: "!"
    }
  }

  private static func symbolStyle(_ phase: HostPhase) -> Style {
    switch phase {
    case .waiting: .dim
    case .running: .cyan
    case .done: .green
    case .failed, .unreachable: .red + .bold
    }
  }

  private static func activityStyle(_ phase: HostPhase) -> Style {
    switch phase {
    case .waiting: .dim
    case .failed, .unreachable: .red
    case .running, .done: .plain
    }
  }

  private static func activityText(_ host: HostProgress) -> String {
    let step = [host.role, host.task].compactMap { $0 }.joined(separator: " › ")
    switch host.phase {
    case .waiting: return "waiting"
    case .running: return step.isEmpty ? "starting" : step
    case .done: return "done"
    case .failed: return step.isEmpty ? "failed" : "failed: " + step
    case .unreachable: return "unreachable"
    }
  }

  private static func countsText(_ host: HostProgress) -> String {
    let counts = host.counts
    var parts = ["ok=\(counts.ok)", "changed=\(counts.changed)"]
    if counts.failed > 0 { parts.append("failed=\(counts.failed)") }
    if counts.unreachable > 0 { parts.append("unreachable=\(counts.unreachable)") }
    if counts.skipped > 0 { parts.append("skipped=\(counts.skipped)") }
    return parts.joined(separator: " ")
  }

  private static func summary(_ hosts: [HostProgress], hidden: Int, now: Duration) -> String {
    let finished = hosts.filter(\.phase.isFinished).count
    var parts = ["\(finished)/\(hosts.count) hosts finished"]
    let failed = hosts.filter { $0.phase == .failed }.count
    let unreachable = hosts.filter { $0.phase == .unreachable }.count
    if failed > 0 { parts.append("\(failed) failed") }
    if unreachable > 0 { parts.append("\(unreachable) unreachable") }
    if hidden > 0 { parts.append("\(hidden) more not shown") }
    parts.append(now.shortDescription)
    return parts.joined(separator: " · ")
  }
}
