/// Formats progress events as plain lines, for output that is not a terminal (or is a log).
///
/// Changed, failed and unreachable tasks and finished hosts are always shown; `-v` adds ok and
/// skipped tasks; `-vv` adds task and host starts. Above a live block (``isLive``), where the
/// block shows counts and phases, only failures show by default: changed tasks and finished
/// hosts need `-v`, ok/skipped tasks `-vv`, starts `-vvv`.
public struct PlainProgress: Sendable {
  /// 0 by default; 1 for `-v`, 2 for `-vv`, 3 for `-vvv`.
  public var verbosity: Int
  /// Whether the lines go above a live progress block.
  public var isLive: Bool
  /// Colours the outcome words.
  public var styler: Styler

  /// Creates a formatter.
  public init(verbosity: Int = 0, isLive: Bool = false, styler: Styler = .plain) {
    self.verbosity = verbosity
    self.isLive = isLive
    self.styler = styler
  }

  /// The lines to print for `event`; `host` is that host's progress after the event.
  public func lines(for event: ProgressEvent, host: HostProgress?, now: Duration) -> [String] {
    let extra = isLive ? 1 : 0
    switch event {
    case .hostStarted(let name):
      guard verbosity >= 2 + extra else { return [] }
      return ["\(name): started"]
    case .taskStarted(let name, let role, let task):
      guard verbosity >= 2 + extra else { return [] }
      return ["\(name): \(role) › \(task) …"]
    case .taskFinished(let name, let role, let task, let outcome, let duration, let detail):
      let threshold: Int
      switch outcome {
      case .ok, .skipped: threshold = 1 + extra
      case .changed: threshold = extra
      case .failed, .unreachable: threshold = 0
      }
      guard verbosity >= threshold else { return [] }
      let (word, style) = Self.word(outcome)
      var lines = [
        "\(name): \(role) › \(task): \(styler.paint(word, style)) (\(duration.shortDescription))"
      ]
      if let detail, !detail.isEmpty {
        lines += detail.split(separator: "\n", omittingEmptySubsequences: false).map {
          "    " + $0
        }
      }
      return lines
    case .hostFinished(let name):
      guard let host, verbosity >= extra else { return [] }
      let (word, style): (String, Style) =
        switch host.phase {
        case .unreachable: ("UNREACHABLE", .red)
        case .failed: ("FAILED", .red)
        default: ("done", .green)
        }
      let counts = host.counts
      return [
        "\(name): \(styler.paint(word, style)) ok=\(counts.ok) changed=\(counts.changed) "
          + "unreachable=\(counts.unreachable) failed=\(counts.failed) skipped=\(counts.skipped) "
          + "(\(host.elapsed(at: now).shortDescription))"
      ]
    case .message(let name, let text):
      let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
      guard let name else { return lines }
      return lines.map { "\(name): \($0)" }
    }
  }

  private static func word(_ outcome: TaskOutcome) -> (String, Style) {
    switch outcome {
    case .ok: ("ok", .green)
    case .changed: ("changed", .yellow)
    case .skipped: ("skipped", .cyan)
    case .failed: ("FAILED", .red + .bold)
    case .unreachable: ("UNREACHABLE", .red + .bold)
    }
  }
}
