import Foundation
import GRDB
import RunHistory
import Testing

@Suite struct RecorderTests {
  @Test func aRunIsStoredWithItsTasksInOrder() async throws {
    let dir = try TemporaryDirectory()
    let log = WarningLog()
    let recorder = makeRecorder(dir.database, log: log)
    let started = Date(timeIntervalSince1970: 1_750_000_000)
    let id = try #require(await recorder.begin(provisionRun(at: started)))
    #expect(recorder.runID == id)
    recorder.record(task("lab-cp1", "install binary", .changed, diff: "+v1.31"))
    recorder.record(task("lab-cp1", "config file"))
    recorder.record(task("lab-w1", "join", .failed, message: "exit status 1"))
    recorder.record(task("lab-w2", "join", .unreachable))
    recorder.record(task("lab-w1", "labels", .skipped))
    await recorder.finish(.partial)
    #expect(recorder.runID == nil)

    let detail = try #require(try await HistoryStore(database: dir.database).run(id))
    #expect(detail.run.id == id)
    #expect(detail.run.command == "provision")
    #expect(detail.run.commandLine == "cluster-mgr provision --limit lab-w1")
    #expect(detail.run.user == "alice")
    #expect(detail.run.machine == "laptop")
    #expect(detail.run.inventoryPath == "inventory/hosts.yml")
    #expect(detail.run.inventorySHA256 == String(repeating: "ab", count: 32))
    #expect(detail.run.checkMode == false)
    #expect(detail.run.startedAt == started)
    #expect(detail.run.outcome == .partial)
    #expect(try #require(detail.run.finishedAt) > started)
    #expect(try #require(detail.run.durationMilliseconds) >= 0)
    #expect(
      detail.run.counts
        == RunCounts(hosts: 3, ok: 1, changed: 1, failed: 1, unreachable: 1, skipped: 1))
    #expect(
      detail.tasks.map(\.task) == ["install binary", "config file", "join", "join", "labels"])
    #expect(detail.tasks[0].diff == "+v1.31")
    #expect(detail.tasks[0].durationMilliseconds == 12)
    #expect(detail.tasks[2].message == "exit status 1")
    #expect(detail.tasks[2].status == .failed)
    #expect(log.all.isEmpty)
    #expect(recorder.warning == nil)
  }

  @Test func countsPassedToFinishWinOverTheTally() async throws {
    let dir = try TemporaryDirectory()
    let recorder = makeRecorder(dir.database)
    let id = try #require(await recorder.begin(provisionRun()))
    recorder.record(task("lab-cp1", "a"))
    let counts = RunCounts(hosts: 4, ok: 9, changed: 0, failed: 0, unreachable: 0, skipped: 2)
    await recorder.finish(.succeeded, counts: counts)
    let detail = try #require(try await HistoryStore(database: dir.database).run(id))
    #expect(detail.run.counts == counts)
    #expect(detail.tasks.count == 1)
  }

  @Test func aRunThatHasNotFinishedIsUnfinishedWithItsCountsSoFar() async throws {
    let dir = try TemporaryDirectory()
    let recorder = makeRecorder(dir.database, batchSize: 1)
    let id = try #require(await recorder.begin(provisionRun()))
    recorder.record(task("lab-cp1", "a"))
    recorder.record(task("lab-w1", "a", .changed))
    recorder.record(task("lab-w1", "b", .changed))
    let store = HistoryStore(database: dir.database)
    #expect(try await eventually { try await store.run(id)?.tasks.count == 3 })
    let run = try #require(try await store.run(id)).run
    #expect(run.outcome == nil)
    #expect(run.finishedAt == nil)
    #expect(run.durationMilliseconds == nil)
    #expect(run.counts == RunCounts(hosts: 2, ok: 1, changed: 2))
    #expect(try await store.runs().first?.counts == RunCounts(hosts: 2, ok: 1, changed: 2))
    let empty = try #require(await recorder.begin(provisionRun()))
    #expect(try await store.run(empty)?.run.counts == RunCounts())
  }

  @Test func aLoneResultIsWrittenAfterTheFlushInterval() async throws {
    let dir = try TemporaryDirectory()
    let recorder = makeRecorder(dir.database, flushInterval: .milliseconds(50))
    let id = try #require(await recorder.begin(provisionRun()))
    recorder.record(task("lab-cp1", "first"))
    let store = HistoryStore(database: dir.database)
    #expect(try await eventually { try await store.run(id)?.tasks.count == 1 })
    recorder.record(task("lab-cp1", "second"))
    #expect(try await eventually { try await store.run(id)?.tasks.count == 2 })
    await recorder.finish(.succeeded)
    #expect(try await store.run(id)?.tasks.map(\.task) == ["first", "second"])
  }

  @Test func fullBatchesAreWrittenBeforeTheRunFinishes() async throws {
    let dir = try TemporaryDirectory()
    let recorder = makeRecorder(dir.database, batchSize: 3)
    let id = try #require(await recorder.begin(provisionRun()))
    for index in 1...7 { recorder.record(task("lab-cp1", "task \(index)")) }
    let store = HistoryStore(database: dir.database)
    #expect(try await eventually { try await store.run(id)?.tasks.count == 6 })
    await recorder.finish(.succeeded)
    let tasks = try #require(try await store.run(id)).tasks
    #expect(tasks.map(\.task) == (1...7).map { "task \($0)" })
  }

  @Test func resultsRecordedFromManyTasksAtOnceAreAllKept() async throws {
    let dir = try TemporaryDirectory()
    let recorder = makeRecorder(dir.database, batchSize: 16)
    let id = try #require(await recorder.begin(provisionRun()))
    await withTaskGroup(of: Void.self) { group in
      for host in 1...20 {
        group.addTask {
          for step in 1...30 { recorder.record(task("host\(host)", "step \(step)", .changed)) }
        }
      }
    }
    await recorder.finish(.succeeded)
    let detail = try #require(try await HistoryStore(database: dir.database).run(id))
    #expect(detail.tasks.count == 600)
    #expect(detail.run.counts == RunCounts(hosts: 20, changed: 600))
    for host in 1...20 {
      let steps = detail.tasks.filter { $0.host == "host\(host)" }.map(\.task)
      #expect(steps == (1...30).map { "step \($0)" })
    }
  }

  @Test func recordingOutsideARunIsIgnored() async throws {
    let dir = try TemporaryDirectory()
    let recorder = makeRecorder(dir.database)
    recorder.record(task("lab-cp1", "too early"))
    let id = try #require(await recorder.begin(provisionRun()))
    await recorder.finish(.succeeded)
    recorder.record(task("lab-cp1", "too late"))
    await recorder.finish(.failed)
    let detail = try #require(try await HistoryStore(database: dir.database).run(id))
    #expect(detail.tasks.isEmpty)
    #expect(detail.run.outcome == .succeeded)
  }

  @Test func oneRecorderRecordsSuccessiveRuns() async throws {
    let dir = try TemporaryDirectory()
    let recorder = makeRecorder(dir.database)
    let first = try #require(await recorder.begin(provisionRun()))
    recorder.record(task("lab-cp1", "a"))
    await recorder.finish(.succeeded)
    let second = try #require(await recorder.begin(provisionRun(command: "run")))
    recorder.record(task("lab-w1", "b"))
    await recorder.finish(.failed)
    #expect(second > first)
    let store = HistoryStore(database: dir.database)
    #expect(try await store.run(second)?.tasks.map(\.task) == ["b"])
    #expect(try await store.run(second)?.run.counts.hosts == 1)
  }

  @Test func theDatabaseIsPrivateAndInWALMode() async throws {
    let dir = try TemporaryDirectory()
    let database = dir.url.appendingPathComponent("state/nested/history.sqlite")
    let recorder = makeRecorder(database)
    #expect(await recorder.begin(provisionRun()) != nil)
    await recorder.finish(.succeeded)
    let fm = FileManager.default
    let dirMode =
      try fm.attributesOfItem(atPath: database.deletingLastPathComponent().path)[
        .posixPermissions] as? Int
    let fileMode = try fm.attributesOfItem(atPath: database.path)[.posixPermissions] as? Int
    #expect(dirMode == 0o700)
    #expect(fileMode == 0o600)
    if let walMode = try? fm.attributesOfItem(atPath: database.path + "-wal")[.posixPermissions]
      as? Int
    {
      #expect(walMode == 0o600)
    }
    let queue = try DatabaseQueue(path: database.path)
    let journal = try await queue.read { db in
      try String.fetchOne(db, sql: "PRAGMA journal_mode")
    }
    #expect(journal == "wal")
  }
}
