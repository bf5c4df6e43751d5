import Basics
import Foundation
import GRDB

/// Reads the run history for `cluster-mgr history` and the monitor, and prunes it.
///
/// The database is opened on first use; while the file does not exist every query answers
/// as for an empty history (nothing is created). Queries run on a background queue.
public final class HistoryStore: @unchecked Sendable {
  // Safety: `connection` is touched only on `worker`'s queue.
  private let database: HistoryDatabase
  private let worker = SerialWorker(label: "cluster-mgr.run-history-reader")
  private var connection: DatabaseQueue?

  /// Reads the database at `database` (the user's history by default).
  public init(database: URL = StatePaths.historyDatabase, busyTimeout: TimeInterval = 5) {
    self.database = HistoryDatabase(url: database, busyTimeout: busyTimeout)
  }

  /// The database file.
  public var path: URL { database.url }

  /// Runs, newest first: at most `limit`, only those of subcommand `command` and of `cluster`
  /// (its `cluster_name`) when given.
  public func runs(limit: Int = 20, command: String? = nil, cluster: String? = nil)
    async throws(HistoryProblem) -> [RunSummary]
  {
    try await read { db in
      var conditions: [String] = []
      var arguments: StatementArguments = []
      if let command {
        conditions.append("command = ?")
        arguments += [command]
      }
      if let cluster {
        conditions.append("cluster = ?")
        arguments += [cluster]
      }
      var sql = "SELECT * FROM run"
      if !conditions.isEmpty { sql += " WHERE " + conditions.joined(separator: " AND ") }
      sql += " ORDER BY id DESC LIMIT ?"
      arguments += [max(0, limit)]
      return try HistoryRows.summaries(
        Row.fetchAll(db, sql: sql, arguments: arguments), in: db)
    } ?? []
  }

  /// Runs that started or finished at or after `date`, newest first (the monitor's events feed);
  /// only those of `cluster` when given.
  public func recentRuns(since date: Date, limit: Int = 50, cluster: String? = nil)
    async throws(HistoryProblem) -> [RunSummary]
  {
    try await read { db in
      try HistoryRows.summaries(
        Row.fetchAll(
          db,
          sql: """
            SELECT * FROM run WHERE (startedAt >= ?1 OR finishedAt >= ?1)
              AND (?3 IS NULL OR cluster = ?3)
            ORDER BY id DESC LIMIT ?2
            """,
          arguments: [date, max(0, limit), cluster]), in: db)
    } ?? []
  }

  /// One run with all its task results in recording order; nil when there is no such run.
  public func run(_ id: RunID) async throws(HistoryProblem) -> RunDetail? {
    let detail: RunDetail?? = try await read { db in
      guard
        let row = try Row.fetchOne(
          db, sql: "SELECT * FROM run WHERE id = ?", arguments: [id.rawValue])
      else { return nil }
      let tasks = try Row.fetchAll(
        db, sql: "SELECT * FROM taskResult WHERE runId = ? ORDER BY sequence",
        arguments: [id.rawValue]
      ).map { row in try HistoryRows.task(row, run: id) }
      return RunDetail(run: try HistoryRows.summaries([row], in: db)[0], tasks: tasks)
    }
    return detail ?? nil
  }

  /// Deletes all but the newest `keep` runs with their task results; returns how many went.
  @discardableResult
  public func prune(keep: Int) async throws(HistoryProblem) -> Int {
    let database = self.database
    let result: Result<Int, HistoryProblem> = await worker.run { [self] in
      do throws(HistoryProblem) {
        guard let queue = try openedConnection() else { return .success(0) }
        let deleted = try Self.access(database) {
          try queue.write { db in
            try db.execute(
              sql: "DELETE FROM run WHERE id NOT IN (SELECT id FROM run ORDER BY id DESC LIMIT ?)",
              arguments: [max(0, keep)])
            return db.changesCount
          }
        }
        if deleted > 0 {
          try Self.access(database) {
            try queue.writeWithoutTransaction { db in try db.execute(sql: "VACUUM") }
          }
        }
        return .success(deleted)
      } catch {
        return .failure(error)
      }
    }
    return try result.get()
  }

  /// Runs `body` in a read transaction; nil when there is no database file yet.
  private func read<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T)
    async throws(HistoryProblem) -> T?
  {
    let database = self.database
    let result: Result<T?, HistoryProblem> = await worker.run { [self] in
      do throws(HistoryProblem) {
        guard let queue = try openedConnection() else { return .success(nil) }
        return .success(try Self.access(database) { try queue.read(body) })
      } catch {
        return .failure(error)
      }
    }
    return try result.get()
  }

  private func openedConnection() throws(HistoryProblem) -> DatabaseQueue? {
    if let connection { return connection }
    connection = try database.openIfPresent()
    return connection
  }

  private static func access<T>(_ database: HistoryDatabase, _ body: () throws -> T)
    throws(HistoryProblem) -> T
  {
    do {
      return try body()
    } catch {
      throw HistoryProblem.classify(
        error, database: database.url, access: .reading, busyTimeout: database.busyTimeout)
    }
  }
}
