import Foundation
import RunHistory
import TerminalUI

/// cluster-mgr's own runs from the run history, as monitor events.
enum MonitorRuns {
  /// How far back the monitor looks.
  static let window: TimeInterval = 24 * 3600
  /// At most this many runs.
  static let limit = 20

  /// One event per run: when it finished (or started), how it ended, and its recap.
  static func event(_ run: RunSummary) -> MonitorEvent {
    let kind: MonitorEvent.Kind
    switch run.outcome {
    case .failed?: kind = .error
    case .partial?, .interrupted?: kind = .warning
    case .succeeded?, nil: kind = .normal
    }
    let command = run.command + (run.checkMode ? " (check)" : "")
    let counts = run.counts
    let message: String
    if let outcome = run.outcome {
      var parts = ["\(counts.hosts) host\(counts.hosts == 1 ? "" : "s")"]
      parts.append("\(counts.ok) ok")
      parts.append("\(counts.changed) changed")
      if counts.failed > 0 { parts.append("\(counts.failed) failed") }
      if counts.unreachable > 0 { parts.append("\(counts.unreachable) unreachable") }
      let took =
        run.durationMilliseconds.map {
          String(format: " (%.1fs)", Double($0) / 1000)
        } ?? ""
      message = "\(command) \(outcome.rawValue): " + parts.joined(separator: ", ") + took
    } else {
      message = "\(command) running (or stopped without saying how it ended)"
    }
    return MonitorEvent(
      time: run.finishedAt ?? run.startedAt, source: .clusterMgr, kind: kind,
      object: "run \(run.id)", message: message)
  }
}
