import Engine
import Foundation
import TerminalUI

/// Shows a run: live per-host lines on a terminal, plain lines otherwise, JSON events with
/// `--output json`; the recap at the end.
public final class RunProgress: RunObserver, @unchecked Sendable {
  private let display: ProgressDisplay?
  private let json: JSONEventsObserver?
  private let verbosity: Int
  private let diff: Bool

  /// A progress view for `hosts`.
  public init(hosts: [String], json: Bool, verbosity: Int, diff: Bool) {
    self.verbosity = verbosity
    self.diff = diff
    if json {
      self.json = JSONEventsObserver()
      self.display = nil
    } else {
      self.json = nil
      let display = ProgressDisplay.standardOutput(hosts: hosts, verbosity: verbosity)
      display.begin()
      self.display = display
    }
  }

  public func handle(_ event: RunEvent) {
    json?.handle(event)
    guard let display else { return }
    switch event {
    case .playStarted(let name, let hosts):
      display.handle(
        .message(
          host: nil, text: "PLAY [\(name)] \(hosts.count) host\(hosts.count == 1 ? "" : "s")"))
      for host in hosts { display.handle(.hostStarted(host: host)) }
    case .hostPhase(let play, let host, let phase):
      display.handle(.taskStarted(host: host, role: play, task: phase))
    case .taskFinished(let result):
      display.handle(
        .taskFinished(
          host: result.host, role: result.role, task: result.task,
          outcome: Self.outcome(result.status),
          duration: .milliseconds(Int(result.duration * 1000)),
          detail: result.failure ?? (result.status == .ok ? nil : result.summary)))
      if diff, let text = result.diff { display.handle(.message(host: result.host, text: text)) }
      if verbosity > 0, let output = result.output, !output.isEmpty {
        display.handle(.message(host: result.host, text: output))
      }
    case .hostFinished(_, let host, _):
      display.handle(.hostFinished(host: host))
    case .warning(let text):
      display.handle(.message(host: nil, text: "warning: " + text))
    case .playFinished, .runFinished:
      break
    }
  }

  /// Ends the live display and prints the recap.
  public func finish() { display?.finish(recap: true) }

  /// Ends the live display without a recap (the run did not start: a lock was held).
  public func abandon() { display?.finish(recap: false) }

  static func outcome(_ status: TaskStatus) -> TaskOutcome {
    switch status {
    case .ok: return .ok
    case .changed: return .changed
    case .skipped: return .skipped
    case .failed: return .failed
    case .unreachable: return .unreachable
    }
  }
}
