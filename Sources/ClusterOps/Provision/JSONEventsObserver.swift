import Engine
import Foundation

/// `--output json`: one JSON object per line for every run event, for scripts.
public final class JSONEventsObserver: RunObserver, @unchecked Sendable {
  private let lock = NSLock()
  private let write: @Sendable (String) -> Void

  /// Writes lines through `write` (standard output by default).
  public init(
    write: @escaping @Sendable (String) -> Void = {
      FileHandle.standardOutput.write(Data(($0 + "\n").utf8))
    }
  ) {
    self.write = write
  }

  public func handle(_ event: RunEvent) {
    guard let object = Self.object(for: event) else { return }
    guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
    else { return }
    lock.lock()
    write(String(decoding: data, as: UTF8.self))
    lock.unlock()
  }

  static func object(for event: RunEvent) -> [String: Any]? {
    switch event {
    case .playStarted(let name, let hosts):
      return ["event": "play_started", "play": name, "hosts": hosts]
    case .hostPhase(let play, let host, let phase):
      return ["event": "host_phase", "play": play, "host": host, "phase": phase]
    case .taskFinished(let result):
      var object: [String: Any] = [
        "event": result.isHandler ? "handler_finished" : "task_finished", "play": result.play,
        "host": result.host, "role": result.role, "task": result.task,
        "status": result.status.rawValue, "summary": result.summary, "seconds": result.duration,
      ]
      if let diff = result.diff { object["diff"] = diff }
      if let failure = result.failure { object["failure"] = failure }
      return object
    case .hostFinished(let play, let host, let recap):
      return ["event": "host_finished", "play": play, "host": host, "recap": recapObject(recap)]
    case .playFinished(let name):
      return ["event": "play_finished", "play": name]
    case .warning(let text):
      return ["event": "warning", "message": text]
    case .runFinished(let report):
      return [
        "event": "run_finished", "succeeded": report.succeeded && !report.interrupted,
        "aborted": report.aborted, "interrupted": report.interrupted,
        "seconds": report.duration, "recap": report.recaps.map(recapObject),
      ]
    }
  }

  static func recapObject(_ recap: HostRecap) -> [String: Any] {
    [
      "host": recap.host, "ok": recap.ok, "changed": recap.changed,
      "unreachable": recap.unreachable,
      "failed": recap.failed, "skipped": recap.skipped, "round_trips": recap.roundTrips,
    ]
  }
}
