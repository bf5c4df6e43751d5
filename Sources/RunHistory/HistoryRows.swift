import Foundation
import GRDB

/// The SQL that writes and reads runs and task results.
enum HistoryRows {
  static func insertRun(_ run: RunMetadata, in db: Database) throws -> RunID {
    try db.execute(
      sql: """
        INSERT INTO run (startedAt, user, machine, command, commandLine, inventoryPath,
          inventorySHA256, checkMode, cluster)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
        """,
      arguments: [
        run.startedAt, run.user, run.machine, run.command, run.commandLine, run.inventoryPath,
        run.inventorySHA256, run.checkMode, run.cluster,
      ])
    return RunID(rawValue: db.lastInsertedRowID)
  }

  static func insertTasks(_ tasks: [SequencedTask], run: RunID, in db: Database) throws {
    let statement = try db.cachedStatement(
      sql: """
        INSERT INTO taskResult (runId, sequence, host, role, task, status, durationMilliseconds,
          message, diff)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
        """)
    for entry in tasks {
      let task = entry.task
      try statement.execute(arguments: [
        run.rawValue, entry.sequence, task.host, task.role, task.task, task.status.rawValue,
        task.durationMilliseconds, task.message, task.diff,
      ])
    }
  }

  static func finishRun(
    _ run: RunID, outcome: RunOutcome, counts: RunCounts, finishedAt: Date,
    durationMilliseconds: Int64, in db: Database
  ) throws {
    try db.execute(
      sql: """
        UPDATE run SET finishedAt = ?, outcome = ?, hosts = ?, ok = ?, changed = ?, failed = ?,
          unreachable = ?, skipped = ?, durationMilliseconds = ?
        WHERE id = ?
        """,
      arguments: [
        finishedAt, outcome.rawValue, counts.hosts, counts.ok, counts.changed, counts.failed,
        counts.unreachable, counts.skipped, durationMilliseconds, run.rawValue,
      ])
  }

  /// Summaries of `rows`; a run that has not finished gets the tally of its results so far.
  static func summaries(_ rows: [Row], in db: Database) throws -> [RunSummary] {
    try rows.map { row in
      var run = try summary(row)
      if run.outcome == nil { run.counts = try countsSoFar(run.id, in: db) }
      return run
    }
  }

  /// The tally of the results recorded for `run` (for runs that have not finished).
  static func countsSoFar(_ run: RunID, in db: Database) throws -> RunCounts {
    guard
      let row = try Row.fetchOne(
        db,
        sql: """
          SELECT COUNT(DISTINCT host) AS hosts,
            COALESCE(SUM(status = 'ok'), 0) AS ok,
            COALESCE(SUM(status = 'changed'), 0) AS changed,
            COALESCE(SUM(status = 'failed'), 0) AS failed,
            COALESCE(SUM(status = 'unreachable'), 0) AS unreachable,
            COALESCE(SUM(status = 'skipped'), 0) AS skipped
          FROM taskResult WHERE runId = ?
          """, arguments: [run.rawValue])
    else { return RunCounts() }
    return RunCounts(
      hosts: try row.decode(forColumn: "hosts"), ok: try row.decode(forColumn: "ok"),
      changed: try row.decode(forColumn: "changed"), failed: try row.decode(forColumn: "failed"),
      unreachable: try row.decode(forColumn: "unreachable"),
      skipped: try row.decode(forColumn: "skipped"))
  }

  static func summary(_ row: Row) throws -> RunSummary {
    let id = RunID(rawValue: try row.decode(forColumn: "id"))
    let outcomeText: String? = try row.decode(forColumn: "outcome")
    let outcome = try outcomeText.map { text in
      guard let outcome = RunOutcome(rawValue: text) else {
        throw UnknownValue(column: "outcome", value: text, run: id)
      }
      return outcome
    }
    return RunSummary(
      id: id,
      command: try row.decode(forColumn: "command"),
      commandLine: try row.decode(forColumn: "commandLine"),
      user: try row.decode(forColumn: "user"),
      machine: try row.decode(forColumn: "machine"),
      inventoryPath: try row.decode(forColumn: "inventoryPath"),
      inventorySHA256: try row.decode(forColumn: "inventorySHA256"),
      checkMode: try row.decode(forColumn: "checkMode"),
      startedAt: try row.decode(forColumn: "startedAt"),
      finishedAt: try row.decode(forColumn: "finishedAt"),
      outcome: outcome,
      counts: RunCounts(
        hosts: try row.decode(forColumn: "hosts"), ok: try row.decode(forColumn: "ok"),
        changed: try row.decode(forColumn: "changed"), failed: try row.decode(forColumn: "failed"),
        unreachable: try row.decode(forColumn: "unreachable"),
        skipped: try row.decode(forColumn: "skipped")),
      durationMilliseconds: try row.decode(forColumn: "durationMilliseconds"),
      cluster: try row.decode(forColumn: "cluster"))
  }

  static func task(_ row: Row, run: RunID) throws -> TaskRecord {
    let statusText: String = try row.decode(forColumn: "status")
    guard let status = TaskRecord.Status(rawValue: statusText) else {
      throw UnknownValue(column: "status", value: statusText, run: run)
    }
    return TaskRecord(
      host: try row.decode(forColumn: "host"),
      role: try row.decode(forColumn: "role"),
      task: try row.decode(forColumn: "task"),
      status: status,
      durationMilliseconds: try row.decode(forColumn: "durationMilliseconds"),
      message: try row.decode(forColumn: "message"),
      diff: try row.decode(forColumn: "diff"))
  }
}

/// A task result waiting to be written, numbered in the order the engine recorded it.
struct SequencedTask: Sendable {
  let sequence: Int
  let task: TaskRecord
}

/// A stored value this version does not know (written by a newer cluster-mgr, or edited by hand).
struct UnknownValue: Error, CustomStringConvertible {
  let column: String
  let value: String
  let run: RunID

  var description: String {
    "run \(run) has \(column) '\(value)', which this version of cluster-mgr does not know"
  }
}
