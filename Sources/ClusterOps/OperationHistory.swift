import Basics
import Foundation
import RunHistory

/// Records one day-2 operation in the run history.
///
/// Used by `add-node`, `remove-node`, `backup`, `restore` and `run`: one run, one task record per
/// step and host. Never fails the operation; a history problem becomes ``warning``.
public struct OperationHistory: Sendable {
  let recorder: RunRecorder
  let command: String
  let clock = ContinuousClock()

  /// Starts a run of `command` with `commandLine` (masked by `redactor`) for `inventoryPath`.
  public static func begin(
    command: String, commandLine: [String], inventoryPath: String?, redactor: SecretRedactor
  ) async -> OperationHistory {
    let recorder = RunRecorder(redactor: redactor)
    let sha = inventoryPath.flatMap { try? FileHash.sha256(path: $0) }
    _ = await recorder.begin(
      RunMetadata(
        command: command, commandLine: redactor.redact(ShellQuote.join(commandLine)),
        inventoryPath: inventoryPath, inventorySHA256: sha))
    return OperationHistory(recorder: recorder, command: command)
  }

  /// Records one step on one host; `started` is when it began.
  public func record(
    host: String, step: String, status: TaskRecord.Status, started: ContinuousClock.Instant,
    message: String? = nil, diff: String? = nil
  ) {
    recorder.record(
      TaskRecord(
        host: host, role: command, task: step, status: status,
        duration: started.duration(to: clock.now),
        message: message, diff: diff))
  }

  /// Ends the run with `outcome`, waits for the history to be written, and returns the run's
  /// number (nil when the history is unavailable).
  @discardableResult
  public func finish(_ outcome: RunOutcome) async -> Int64? {
    let id = recorder.runID?.rawValue
    await recorder.finish(outcome)
    return recorder.warning == nil ? id : nil
  }

  /// Why nothing was recorded, if the history is unavailable.
  public var warning: String? { recorder.warning?.description }
}
