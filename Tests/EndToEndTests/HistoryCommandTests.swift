import Basics
import ClusterMgrTesting
import Foundation
import RunHistory
import Testing

/// `cluster-mgr history` and `history show` on runs written through the RunHistory library.
@Suite struct HistoryCommandTests {
  /// A state directory holding three recorded runs, removed when released.
  final class StateDirectory {
    let url: URL
    var database: URL { url.appendingPathComponent("history.sqlite") }
    var environment: [String: String] { ["CLUSTER_MGR_STATE_DIR": url.path, "TZ": "UTC"] }
    private(set) var ids: [RunID] = []

    init() throws {
      url = FileManager.default.temporaryDirectory
        .appendingPathComponent("history-cli-\(UUID().uuidString)", isDirectory: true)
      try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    /// Records a provision run, a check-mode provision run and an ad-hoc `run`.
    func recordThreeRuns() async throws {
      let redactor = SecretRedactor()
      redactor.register("hunter2")
      let recorder = RunRecorder(database: database, redactor: redactor)
      let base = Date(timeIntervalSince1970: 1_750_000_000)  // 2025-06-15 15:06:40 UTC
      ids.append(
        try #require(
          await recorder.begin(
            RunMetadata(
              command: "provision", commandLine: "cluster-mgr provision --limit lab-w1",
              inventoryPath: "inventory/hosts.yml",
              inventorySHA256: String(repeating: "ab", count: 32),
              startedAt: base, user: "alice", machine: "laptop"))))
      recorder.record(
        TaskRecord(
          host: "lab-cp1", role: "k3s", task: "install binary", status: .changed,
          durationMilliseconds: 12, diff: "--- a/etc/rancher/k3s/config.yaml\n+token: hunter2\n"))
      recorder.record(
        TaskRecord(
          host: "lab-w1", role: "k3s", task: "join", status: .failed, durationMilliseconds: 1500,
          message: "exit status 1: connection refused"))
      recorder.record(
        TaskRecord(
          host: "lab-cp1", role: "k3s", task: "service", status: .ok, durationMilliseconds: 3))
      await recorder.finish(.partial)

      ids.append(
        try #require(
          await recorder.begin(
            RunMetadata(
              command: "provision", commandLine: "cluster-mgr provision --check", checkMode: true,
              startedAt: base.addingTimeInterval(60), user: "alice", machine: "laptop"))))
      recorder.record(
        TaskRecord(
          host: "lab-cp1", role: "k3s", task: "service", status: .ok, durationMilliseconds: 2))
      await recorder.finish(.succeeded)

      ids.append(
        try #require(
          await recorder.begin(
            RunMetadata(
              command: "run", commandLine: "cluster-mgr run 'uname -r'",
              startedAt: base.addingTimeInterval(120), user: "bob", machine: "desk"))))
      recorder.record(
        TaskRecord(
          host: "lab-w2", role: "", task: "uname -r", status: .ok, durationMilliseconds: 40,
          message: "6.1.0-28-amd64"))
      await recorder.finish(.succeeded)
      #expect(recorder.warning == nil)
    }

    /// Runs the built cluster-mgr with this state directory.
    func clusterMgr(_ arguments: String...) throws -> ProcessResult {
      try ProcessRunner.run([Repository.clusterMgrBinary] + arguments, environment: environment)
    }
  }

  @Test func historyListsRunsNewestFirst() async throws {
    let state = try StateDirectory()
    try await state.recordThreeRuns()
    let result = try state.clusterMgr("history")
    #expect(result.status == 0, "\(result.stderr)")
    let lines = result.stdout.split(separator: "\n").map(String.init)
    #expect(lines.count == 4)
    #expect(lines[0].hasPrefix("ID  WHEN"))
    #expect(lines[0].hasSuffix("WHO"))
    #expect(lines[1].drop { $0 == " " }.hasPrefix("\(state.ids[2])  2025-06-15 15:08  run "))
    #expect(lines[1].hasSuffix("bob@desk"))
    #expect(lines[2].contains("2025-06-15 15:07  provision (check)  succeeded"))
    #expect(lines[3].contains("2025-06-15 15:06  provision          partial"))
    #expect(lines[3].hasSuffix("alice@laptop"))
    // HOSTS OK CHANGED FAILED UNREACHABLE of the partial run.
    let numbers = lines[3].split(separator: " ").dropFirst(5).prefix(5).map(String.init)
    #expect(numbers == ["2", "1", "1", "1", "0"])
  }

  @Test func historyFiltersByCommandAndLimits() async throws {
    let state = try StateDirectory()
    try await state.recordThreeRuns()
    let provision = try state.clusterMgr("history", "--command", "provision")
    #expect(provision.status == 0)
    #expect(provision.stdout.split(separator: "\n").count == 3)
    #expect(!provision.stdout.contains("bob@desk"))
    let one = try state.clusterMgr("history", "--limit", "1")
    #expect(one.stdout.split(separator: "\n").count == 2)
    let none = try state.clusterMgr("history", "--command", "backup")
    #expect(none.status == 0)
    #expect(none.stdout.hasPrefix("No backup runs recorded yet"))
  }

  @Test func historyPrintsJSONForScripts() async throws {
    let state = try StateDirectory()
    try await state.recordThreeRuns()
    let result = try state.clusterMgr("history", "--output", "json")
    #expect(result.status == 0, "\(result.stderr)")
    let decoder = JSONDecoder()
    decoder.dateDecodingStrategy = .iso8601
    let runs = try decoder.decode([RunSummary].self, from: Data(result.stdout.utf8))
    #expect(runs.map(\.id) == state.ids.reversed())
    #expect(runs.last?.outcome == .partial)
    #expect(runs.last?.startedAt == Date(timeIntervalSince1970: 1_750_000_000))
    #expect(runs.last?.inventorySHA256 == String(repeating: "ab", count: 32))
  }

  @Test func showPrintsTheRunWithTasksGroupedByHost() async throws {
    let state = try StateDirectory()
    try await state.recordThreeRuns()
    let id = state.ids[0]
    let result = try state.clusterMgr("history", "show", "\(id)")
    #expect(result.status == 0, "\(result.stderr)")
    let lines = result.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(
      String.init)
    #expect(lines[0] == "Run \(id): provision, partial")
    #expect(lines[1] == "  started    2025-06-15 15:06:40 by alice on laptop")
    #expect(lines[2].hasPrefix("  finished   "))
    #expect(lines[3] == "  command    cluster-mgr provision --limit lab-w1")
    #expect(
      lines[4] == "  inventory  inventory/hosts.yml (sha256 \(String(repeating: "ab", count: 32)))")
    #expect(lines[5] == "  recap      2 hosts: 1 ok, 1 changed, 1 failed, 0 unreachable, 0 skipped")
    #expect(
      Array(lines[6...]) == [
        "",
        "lab-cp1",
        "  changed      k3s / install binary     12ms",
        "  ok           k3s / service             3ms",
        "",
        "lab-w1",
        "  failed       k3s / join               1.5s  exit status 1: connection refused",
        "",
        "1 task has a diff: cluster-mgr history show \(id) --diff",
        "",
      ])
  }

  @Test func showPrintsMaskedDiffsOnRequest() async throws {
    let state = try StateDirectory()
    try await state.recordThreeRuns()
    let result = try state.clusterMgr("history", "show", "#\(state.ids[0])", "--diff")
    #expect(result.status == 0, "\(result.stderr)")
    #expect(
      result.stdout.contains(
        """
          changed      k3s / install binary     12ms
              --- a/etc/rancher/k3s/config.yaml
              +token: \(SecretRedactor.mask)
          ok           k3s / service             3ms
        """))
    #expect(!result.stdout.contains("hunter2"))
    #expect(!result.stdout.contains("--diff\n"))
  }

  @Test func showLastIsTheNewestRun() async throws {
    let state = try StateDirectory()
    try await state.recordThreeRuns()
    let result = try state.clusterMgr("history", "show", "last")
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stdout.hasPrefix("Run \(state.ids[2]): run, succeeded\n"))
    #expect(result.stdout.contains("  recap      1 host: 1 ok, 0 changed, 0 failed,"))
    #expect(result.stdout.hasSuffix("\nlab-w2\n  ok           uname -r     40ms  6.1.0-28-amd64\n"))
  }

  @Test func showAsJSONHasEveryTaskAndDiff() async throws {
    let state = try StateDirectory()
    try await state.recordThreeRuns()
    let result = try state.clusterMgr("history", "show", "\(state.ids[0])", "--output", "json")
    #expect(result.status == 0, "\(result.stderr)")
    let decoder = JSONDecoder()
    decoder.dateDecodingStrategy = .iso8601
    let detail = try decoder.decode(RunDetail.self, from: Data(result.stdout.utf8))
    #expect(detail.run.id == state.ids[0])
    #expect(detail.tasks.map(\.task) == ["install binary", "join", "service"])
    #expect(
      detail.tasks[0].diff == "--- a/etc/rancher/k3s/config.yaml\n+token: \(SecretRedactor.mask)\n")
  }

  @Test func anUnknownRunIsInvalidInput() async throws {
    let state = try StateDirectory()
    try await state.recordThreeRuns()
    let missing = try state.clusterMgr("history", "show", "999")
    #expect(missing.status == 2)
    #expect(missing.stdout.isEmpty)
    #expect(missing.stderr.hasPrefix("error: There is no run 999 in the history"))
    #expect(missing.stderr.contains("fix: Give a number from the ID column"))
    let garbage = try state.clusterMgr("history", "show", "yesterday")
    #expect(garbage.status == 2)
    #expect(garbage.stderr.hasPrefix("error: 'yesterday' is not a run number."))
  }

  @Test func anEmptyStateDirectoryHasNoRunsAndStaysEmpty() throws {
    let state = try StateDirectory()
    let result = try state.clusterMgr("history")
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stdout == "No runs recorded yet (\(state.database.path)).\n")
    #expect(try state.clusterMgr("history", "--output", "json").stdout == "[\n\n]\n")
    #expect(try state.clusterMgr("history", "show", "last").status == 2)
    #expect(try FileManager.default.contentsOfDirectory(atPath: state.url.path).isEmpty)
  }

  @Test func aCorruptDatabaseIsReportedWithARemedy() throws {
    let state = try StateDirectory()
    try Data(repeating: 0x5A, count: 2048).write(to: state.database)
    let result = try state.clusterMgr("history")
    #expect(result.status == 1)
    #expect(result.stderr.hasPrefix("error: The run history database \(state.database.path)"))
    #expect(result.stderr.contains("fix: Move it away (mv "))
  }

  @Test func pruneKeepsTheNewestRuns() async throws {
    let state = try StateDirectory()
    try await state.recordThreeRuns()
    let prune = try state.clusterMgr("history", "prune", "--keep", "1")
    #expect(prune.status == 0, "\(prune.stderr)")
    #expect(prune.stdout.hasPrefix("Removed 2 runs; kept the newest 1"))
    let json = try state.clusterMgr("history", "--output", "json")
    let decoder = JSONDecoder()
    decoder.dateDecodingStrategy = .iso8601
    #expect(
      try decoder.decode([RunSummary].self, from: Data(json.stdout.utf8)).map(\.id)
        == [state.ids[2]])
  }
}
