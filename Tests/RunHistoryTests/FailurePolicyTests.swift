import Foundation
import GRDB
import RunHistory
import Testing

/// Corrupt, locked or unwritable history: one warning, no error, the run goes on.
@Suite struct FailurePolicyTests {
  /// Drives a whole run through `recorder` the way the engine does.
  private func runThrough(_ recorder: RunRecorder) async -> RunID? {
    let id = await recorder.begin(provisionRun())
    for index in 1...5 { recorder.record(task("lab-cp1", "task \(index)", .changed)) }
    await recorder.finish(.succeeded)
    return id
  }

  @Test func aCorruptFileGivesOneWarningAndIsLeftAlone() async throws {
    let dir = try TemporaryDirectory()
    let garbage = Data((0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 13) })
    try garbage.write(to: dir.database)
    let log = WarningLog()
    let recorder = makeRecorder(dir.database, log: log)
    #expect(await runThrough(recorder) == nil)
    #expect(await runThrough(recorder) == nil)

    let problem = try #require(recorder.warning)
    #expect(log.all == [problem])
    #expect(problem.kind == .corrupt)
    #expect(problem.path == dir.database.path)
    #expect(problem.message.contains(dir.database.path))
    #expect(problem.message.contains("not recorded"))
    #expect(problem.remedy?.contains("mv ") == true)
    #expect(try Data(contentsOf: dir.database) == garbage)
  }

  @Test func readingACorruptFileThrowsTheSameProblem() async throws {
    let dir = try TemporaryDirectory()
    try Data("this is not a database, just text that is long enough".utf8).write(to: dir.database)
    let error = await #expect(throws: HistoryProblem.self) {
      try await HistoryStore(database: dir.database).runs()
    }
    #expect(error?.kind == .corrupt)
    #expect(error?.message.contains("not recorded") == false)
  }

  @Test func aLockedDatabaseGivesOneWarningAfterTheBusyTimeout() async throws {
    let dir = try TemporaryDirectory()
    let earlier = try #require(await runThrough(makeRecorder(dir.database)))
    let holder = try await ExclusiveLock(dir.database)
    let log = WarningLog()
    let recorder = makeRecorder(dir.database, log: log, busyTimeout: 0.2)
    let clock = ContinuousClock()
    let start = clock.now
    #expect(await runThrough(recorder) == nil)
    #expect(clock.now - start >= .milliseconds(200))
    holder.release()

    let problem = try #require(recorder.warning)
    #expect(log.all == [problem])
    #expect(problem.kind == .locked)
    #expect(problem.message.contains(dir.database.path))
    #expect(problem.message.contains("for more than 0.2 s"))
    #expect(problem.remedy?.contains("fuser") == true)
    // The history itself is intact and usable again once the lock is gone.
    let later = try #require(await runThrough(makeRecorder(dir.database)))
    #expect(later > earlier)
    #expect(try await HistoryStore(database: dir.database).runs().map(\.id) == [later, earlier])
  }

  @Test func aLockTakenDuringTheRunStopsRecordingWithOneWarning() async throws {
    let dir = try TemporaryDirectory()
    let log = WarningLog()
    let recorder = makeRecorder(dir.database, log: log, busyTimeout: 0.2, batchSize: 2)
    let id = try #require(await recorder.begin(provisionRun()))
    let holder = try await ExclusiveLock(dir.database)
    for index in 1...6 { recorder.record(task("lab-cp1", "task \(index)")) }
    await recorder.finish(.succeeded)
    holder.release()

    #expect(log.all.count == 1)
    #expect(recorder.warning?.kind == .locked)
    let run = try #require(try await HistoryStore(database: dir.database).run(id))
    #expect(run.run.outcome == nil)
  }

  @Test func aReadOnlyDirectoryGivesOneWarning() async throws {
    let dir = try TemporaryDirectory()
    let readOnly = try unwritableDirectory(in: dir)
    let database = readOnly.appendingPathComponent("history.sqlite")
    let log = WarningLog()
    let recorder = makeRecorder(database, log: log)
    #expect(await runThrough(recorder) == nil)
    let problem = try #require(recorder.warning)
    #expect(log.all == [problem])
    #expect(problem.kind == .unwritable)
    #expect(problem.message.contains(database.path))
    #expect(problem.remedy?.contains("CLUSTER_MGR_STATE_DIR") == true)
    #expect(!FileManager.default.fileExists(atPath: database.path))
  }

  @Test func aStateDirectoryThatCannotBeCreatedGivesOneWarning() async throws {
    let dir = try TemporaryDirectory()
    let blocker = dir.url.appendingPathComponent("state")
    try Data("a file where the state directory should be".utf8).write(to: blocker)
    let database = blocker.appendingPathComponent("cluster-mgr/history.sqlite")
    let log = WarningLog()
    let recorder = makeRecorder(database, log: log)
    #expect(await runThrough(recorder) == nil)
    let problem = try #require(recorder.warning)
    #expect(log.all == [problem])
    #expect(problem.kind == .stateDirectory)
    #expect(
      problem.message.hasPrefix(
        "Cannot create the state directory \(blocker.appendingPathComponent("cluster-mgr").path): "
          + "Not a directory."))
    #expect(problem.remedy?.contains("mkdir -p -m 700") == true)
  }

  @Test func aDirectoryWhereTheFileShouldBeGivesOneWarning() async throws {
    let dir = try TemporaryDirectory()
    try FileManager.default.createDirectory(at: dir.database, withIntermediateDirectories: false)
    let recorder = makeRecorder(dir.database)
    #expect(await runThrough(recorder) == nil)
    #expect(recorder.warning?.kind == .unwritable)
  }

  /// A directory in which this process cannot create files: mode 0555, or, for root (whom
  /// permission bits do not stop), /proc, where nobody can.
  private func unwritableDirectory(in dir: TemporaryDirectory) throws -> URL {
    if geteuid() == 0 {
      #if os(Linux)
        return URL(fileURLWithPath: "/proc", isDirectory: true)
      #else
        throw UnwritableDirectoryUnavailable()
      #endif
    }
    let readOnly = dir.url.appendingPathComponent("read-only", isDirectory: true)
    try FileManager.default.createDirectory(
      at: readOnly, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o555])
    return readOnly
  }
}

struct UnwritableDirectoryUnavailable: Error {}

/// Another connection holding an exclusive write transaction on a database until released.
final class ExclusiveLock: @unchecked Sendable {
  private let released = DispatchSemaphore(value: 0)
  private let finished = DispatchSemaphore(value: 0)

  init(_ database: URL) async throws {
    let queue = try DatabaseQueue(path: database.path)
    let released = released
    let finished = finished
    try await withCheckedThrowingContinuation { (held: CheckedContinuation<Void, any Error>) in
      Thread {
        do {
          try queue.inDatabase { db in
            try db.execute(sql: "BEGIN EXCLUSIVE")
            held.resume()
            released.wait()
            try db.execute(sql: "ROLLBACK")
          }
        } catch {
          held.resume(throwing: error)
        }
        finished.signal()
      }.start()
    }
  }

  /// Ends the transaction and waits until the connection let go.
  func release() {
    released.signal()
    finished.wait()
  }
}
