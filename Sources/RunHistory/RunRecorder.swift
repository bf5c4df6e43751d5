import Basics
import Foundation
import GRDB

/// Records one run into the history database for the engine, without ever failing the run.
///
/// Call ``begin(_:)`` when the run starts, ``record(_:)`` for every task result (buffered, it
/// returns at once; results are written in batches on a background queue), and
/// ``finish(_:counts:)`` at the end (it writes what is left and waits for it).
///
/// Every string is passed through the run's `SecretRedactor` before it is stored (command line,
/// inventory path, user, machine, host, role, task, message, diff): callers mask already, this
/// is the second line of defence so that no secret reaches the history.
///
/// Failure policy: when the state directory cannot be created, or the database is corrupt,
/// unwritable or locked for longer than `busyTimeout`, the recorder turns into a no-op and
/// reports one ``HistoryProblem`` (``warning``, and `onWarning` once) for the caller to print.
/// It never throws and never stops the run.
///
/// Call ``finish(_:counts:)`` on every exit path (Ctrl-C included): results still buffered
/// when the process exits without it are lost, at most `flushInterval`'s worth.
public final class RunRecorder: @unchecked Sendable {
  // Safety: `lock` guards `state`; `connection` is touched only on `worker`'s queue.
  private let database: HistoryDatabase
  private let redactor: SecretRedactor
  private let batchSize: Int
  private let flushInterval: Duration
  private let onWarning: (@Sendable (HistoryProblem) -> Void)?
  private let worker = SerialWorker(label: "cluster-mgr.run-history")
  private let clock = ContinuousClock()
  private let lock = NSLock()
  private var state = State()
  private var connection: DatabaseQueue?

  private struct State {
    var run: (id: RunID, started: ContinuousClock.Instant)?
    var pending: [SequencedTask] = []
    var sequence = 0
    var tally = Tally()
    var problem: HistoryProblem?
  }

  /// Creates a recorder for the database at `database` (the user's history by default).
  ///
  /// - Parameters:
  ///   - database: The SQLite file; its directory is created (mode 0700) when missing.
  ///   - redactor: Masks every string before it is stored; pass the run's redactor.
  ///   - busyTimeout: How long to wait for another process's lock, in seconds.
  ///   - batchSize: Task results buffered before a background write.
  ///   - flushInterval: The longest a recorded result waits before a background write.
  ///   - onWarning: Called once, on a background queue, when the recorder gives up.
  public init(
    database: URL = StatePaths.historyDatabase,
    redactor: SecretRedactor,
    busyTimeout: TimeInterval = 5,
    batchSize: Int = 200,
    flushInterval: Duration = .seconds(2),
    onWarning: (@Sendable (HistoryProblem) -> Void)? = nil
  ) {
    self.database = HistoryDatabase(url: database, busyTimeout: busyTimeout)
    self.redactor = redactor
    self.batchSize = max(1, batchSize)
    self.flushInterval = flushInterval
    self.onWarning = onWarning
  }

  /// The problem that turned recording off, if any; print it as a warning.
  public var warning: HistoryProblem? { lock.withLock { state.problem } }

  /// The run being recorded, between ``begin(_:)`` and ``finish(_:counts:)``.
  public var runID: RunID? { lock.withLock { state.run?.id } }

  /// Stores a new run and returns its number; nil when the history is unavailable.
  public func begin(_ run: RunMetadata) async -> RunID? {
    if lock.withLock({ state.problem != nil }) { return nil }
    let id: RunID? = await worker.run { [self] in
      do throws(HistoryProblem) {
        let queue = try openedConnection()
        let masked = run.masked(redactor.redact)
        return try write(queue) { db in try HistoryRows.insertRun(masked, in: db) }
      } catch {
        giveUp(error)
        return nil
      }
    }
    guard let id else { return nil }
    let now = clock.now
    lock.withLock {
      state.run = (id, now)
      state.pending = []
      state.sequence = 0
      state.tally = Tally()
    }
    return id
  }

  /// Buffers one task result and returns at once (ignored outside begin…finish or once off).
  ///
  /// The buffer is written in the background when it holds `batchSize` results, or
  /// `flushInterval` after its first result, whichever comes first.
  public func record(_ task: TaskRecord) {
    lock.withLock {
      guard let run = state.run, state.problem == nil else { return }
      state.sequence += 1
      state.pending.append(SequencedTask(sequence: state.sequence, task: task))
      state.tally.add(task)
      if state.pending.count >= batchSize {
        let batch = state.pending
        state.pending = []
        // Submitted under the lock so that batches reach the queue in recording order.
        worker.submit { [self] in writeTasks(batch, run: run.id) }
      } else if state.pending.count == 1 {
        worker.queue.asyncAfter(deadline: .now() + .milliseconds(Int(flushInterval.milliseconds))) {
          [self] in flushPending(run: run.id)
        }
      }
    }
  }

  /// Writes the remaining results and the run's outcome, and waits for the writes to finish.
  ///
  /// - Parameters:
  ///   - outcome: How the run ended.
  ///   - counts: The recap; nil to use the tally of the results passed to ``record(_:)``.
  public func finish(_ outcome: RunOutcome, counts: RunCounts? = nil) async {
    let finishedAt = Date()
    let work: (RunID, [SequencedTask], RunCounts, Int64)? = lock.withLock {
      guard let run = state.run, state.problem == nil else { return nil }
      defer {
        state.run = nil
        state.pending = []
      }
      let elapsed = (clock.now - run.started).milliseconds
      return (run.id, state.pending, counts ?? state.tally.counts, elapsed)
    }
    guard let (id, batch, finalCounts, elapsed) = work else { return }
    await worker.run { [self] in
      writeTasks(batch, run: id)
      guard let queue = connection else { return }
      do throws(HistoryProblem) {
        try write(queue) { db in
          try HistoryRows.finishRun(
            id, outcome: outcome, counts: finalCounts, finishedAt: finishedAt,
            durationMilliseconds: elapsed, in: db)
        }
      } catch {
        giveUp(error)
      }
    }
  }

  // MARK: - On the worker queue

  private func openedConnection() throws(HistoryProblem) -> DatabaseQueue {
    if let connection { return connection }
    let queue = try database.openCreating(access: .recording)
    connection = queue
    return queue
  }

  /// Writes what is buffered for `run` now (the flush interval has passed).
  private func flushPending(run: RunID) {
    let batch: [SequencedTask] = lock.withLock {
      guard state.run?.id == run else { return [] }
      defer { state.pending = [] }
      return state.pending
    }
    writeTasks(batch, run: run)
  }

  private func writeTasks(_ batch: [SequencedTask], run: RunID) {
    guard !batch.isEmpty, let queue = connection else { return }
    let masked = batch.map {
      SequencedTask(sequence: $0.sequence, task: $0.task.masked(redactor.redact))
    }
    do throws(HistoryProblem) {
      try write(queue) { db in try HistoryRows.insertTasks(masked, run: run, in: db) }
    } catch {
      giveUp(error)
    }
  }

  private func write<T>(_ queue: DatabaseQueue, _ body: (Database) throws -> T)
    throws(HistoryProblem) -> T
  {
    do {
      return try queue.write(body)
    } catch {
      throw HistoryProblem.classify(
        error, database: database.url, access: .recording, busyTimeout: database.busyTimeout)
    }
  }

  /// Turns the recorder into a no-op and reports `problem`, once.
  private func giveUp(_ problem: HistoryProblem) {
    connection = nil
    let first = lock.withLock {
      guard state.problem == nil else { return false }
      state.problem = problem
      state.run = nil
      state.pending = []
      return true
    }
    if first { onWarning?(problem) }
  }
}
