import Foundation
import RunHistory
import Testing

@Suite struct StoreTests {
  /// Records finished runs of `commands`, one second apart, and returns their numbers.
  private func record(_ commands: [String], into database: URL) async throws -> [RunID] {
    var ids: [RunID] = []
    let recorder = makeRecorder(database)
    let base = Date(timeIntervalSince1970: 1_750_000_000)
    for (index, command) in commands.enumerated() {
      let run = provisionRun(command: command, at: base.addingTimeInterval(Double(index)))
      ids.append(try #require(await recorder.begin(run)))
      recorder.record(task("lab-cp1", "\(command) \(index)", .changed))
      await recorder.finish(.succeeded)
    }
    return ids
  }

  @Test func aMissingDatabaseReadsAsAnEmptyHistoryAndIsNotCreated() async throws {
    let dir = try TemporaryDirectory()
    let database = dir.url.appendingPathComponent("no/such/history.sqlite")
    let store = HistoryStore(database: database)
    #expect(try await store.runs().isEmpty)
    #expect(try await store.recentRuns(since: .distantPast).isEmpty)
    #expect(try await store.run(RunID(rawValue: 1)) == nil)
    #expect(try await store.prune(keep: 0) == 0)
    #expect(!FileManager.default.fileExists(atPath: database.path))
  }

  @Test func runsAreListedNewestFirstWithLimitAndCommandFilter() async throws {
    let dir = try TemporaryDirectory()
    let ids = try await record(
      ["provision", "run", "add-node", "provision", "run"], into: dir.database)
    let store = HistoryStore(database: dir.database)
    #expect(try await store.runs().map(\.id) == ids.reversed())
    #expect(try await store.runs(limit: 2).map(\.id) == [ids[4], ids[3]])
    #expect(try await store.runs(command: "provision").map(\.id) == [ids[3], ids[0]])
    #expect(try await store.runs(limit: 1, command: "run").map(\.id) == [ids[4]])
    #expect(try await store.runs(command: "backup").isEmpty)
  }

  @Test func aStoreOpenedBeforeTheFirstRunSeesLaterRuns() async throws {
    let dir = try TemporaryDirectory()
    let store = HistoryStore(database: dir.database)
    #expect(try await store.runs().isEmpty)
    let ids = try await record(["provision"], into: dir.database)
    #expect(try await store.runs().map(\.id) == ids)
  }

  @Test func recentRunsAreThoseStartedOrFinishedSinceADate() async throws {
    let dir = try TemporaryDirectory()
    let ids = try await record(["provision", "run", "backup"], into: dir.database)
    let store = HistoryStore(database: dir.database)
    // Every run finished just now, long after it "started" in 2025.
    #expect(
      try await store.recentRuns(since: Date().addingTimeInterval(-60)).map(\.id)
        == ids.reversed())
    #expect(try await store.recentRuns(since: Date().addingTimeInterval(3600)).isEmpty)
    #expect(try await store.recentRuns(since: .distantPast, limit: 1).map(\.id) == [ids[2]])

    let recorder = makeRecorder(dir.database)
    let running = try #require(await recorder.begin(provisionRun(command: "restore")))
    let cutoff = Date().addingTimeInterval(-60)
    #expect(try await store.recentRuns(since: cutoff).first?.id == running)
    #expect(try await store.recentRuns(since: cutoff).first?.outcome == nil)
    await recorder.finish(.interrupted)
    #expect(try await store.recentRuns(since: cutoff).first?.outcome == .interrupted)
  }

  @Test func pruneKeepsTheNewestRunsAndNumbersAreNotReused() async throws {
    let dir = try TemporaryDirectory()
    let ids = try await record(["a", "b", "c", "d", "e"], into: dir.database)
    let store = HistoryStore(database: dir.database)
    #expect(try await store.prune(keep: 2) == 3)
    #expect(try await store.runs().map(\.id) == [ids[4], ids[3]])
    #expect(try await store.run(ids[0]) == nil)
    #expect(try await store.run(ids[4])?.tasks.count == 1)
    #expect(try await store.prune(keep: 2) == 0)
    let next = try await record(["f"], into: dir.database)
    #expect(next[0] > ids[4])
    #expect(try await store.prune(keep: 0) == 3)
    #expect(try await store.runs().isEmpty)
  }

  @Test func runNumbersParseAsTyped() {
    #expect(RunID("42") == RunID(rawValue: 42))
    #expect(RunID("#7") == RunID(rawValue: 7))
    #expect(RunID("0") == nil)
    #expect(RunID("-3") == nil)
    #expect(RunID("abc") == nil)
    #expect(RunID("") == nil)
    #expect(RunID("#") == nil)
    #expect(RunID("٤٢") == nil)
    #expect(RunID("99999999999999999999") == nil)
  }

  @Test func countsTallyTasksAndHosts() {
    let counts = RunCounts(tallying: [
      task("a", "1"), task("a", "2", .changed), task("b", "1", .failed),
      task("c", "1", .unreachable), task("b", "2", .skipped),
    ])
    #expect(counts == RunCounts(hosts: 3, ok: 1, changed: 1, failed: 1, unreachable: 1, skipped: 1))
  }

  @Test func durationsConvertToMilliseconds() {
    let record = TaskRecord(
      host: "h", role: "r", task: "t", status: .ok,
      duration: .milliseconds(1234) + .nanoseconds(999))
    #expect(record.durationMilliseconds == 1234)
  }
}
