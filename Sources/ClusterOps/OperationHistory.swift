import Basics
import Foundation
import Inventory
import RunHistory

/// Records one day-2 operation in the run history.
///
/// Used by the day-2 commands (`add-node`, `remove-node`, `backup`, `restore`, `reset`, `run`,
/// `ssh`, `config-set`…): one run, one task record per step and host, under the cluster's name.
/// Never fails the operation; a history problem becomes ``warning``.
public struct OperationHistory: Sendable {
  let recorder: RunRecorder
  let command: String
  let clock = ContinuousClock()

  /// Starts a run of `command` with `commandLine` (masked by `redactor`) for `inventoryPath`, of
  /// the cluster `cluster` (nil: the `cluster_name` the inventory at `inventoryPath` names).
  public static func begin(
    command: String, commandLine: [String], inventoryPath: String?, redactor: SecretRedactor,
    cluster: String? = nil, checkMode: Bool = false
  ) async -> OperationHistory {
    let recorder = RunRecorder(redactor: redactor)
    let sha = inventoryPath.flatMap { try? FileHash.sha256(path: $0) }
    _ = await recorder.begin(
      RunMetadata(
        command: command, commandLine: redactor.redact(ShellQuote.join(commandLine)),
        inventoryPath: inventoryPath, inventorySHA256: sha, checkMode: checkMode,
        cluster: cluster ?? inventoryPath.flatMap(clusterName(inventoryPath:))))
    return OperationHistory(recorder: recorder, command: command)
  }

  /// The `cluster_name` of the inventory at `path`, nil when it cannot be read (vaulted values
  /// that do not open are left closed: only the name is needed).
  public static func clusterName(inventoryPath path: String) -> String? {
    (try? InventoryLoader.load(path: path, locked: .keep))?.clusterSettings.clusterName
  }

  /// Records a run of one step on one host (an inventory edit, a shell on a node) and ends it:
  /// `succeeded` unless `status` is a failure. Returns the run's number and a history problem.
  public static func recordSingle(
    command: String, commandLine: [String], inventoryPath: String?, redactor: SecretRedactor,
    host: String, step: String, status: TaskRecord.Status, started: ContinuousClock.Instant,
    message: String? = nil, diff: String? = nil
  ) async -> (runID: Int64?, warning: String?) {
    let history = await begin(
      command: command, commandLine: commandLine, inventoryPath: inventoryPath,
      redactor: redactor)
    history.record(
      host: host, step: step, status: status, started: started, message: message, diff: diff)
    let failed = status == .failed || status == .unreachable
    let id = await history.finish(failed ? .failed : .succeeded)
    return (id, history.warning)
  }

  /// The run's number, once it was stored (nil when the history is unavailable).
  public var runID: Int64? { recorder.runID?.rawValue }

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

  /// Runs `body`; when it throws, ends the run as interrupted (``OperationInterrupted``) or
  /// failed, then rethrows.
  func finishingOnError<T>(_ body: () async throws -> T) async throws -> T {
    do {
      return try await body()
    } catch let error as OperationInterrupted {
      await finish(.interrupted)
      throw error
    } catch {
      await finish(.failed)
      throw error
    }
  }

  /// Why nothing was recorded, if the history is unavailable.
  public var warning: String? { recorder.warning?.description }
}
