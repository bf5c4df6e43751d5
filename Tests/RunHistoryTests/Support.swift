import Basics
import Foundation
import RunHistory

/// A fresh directory under the system temporary directory, removed when released.
final class TemporaryDirectory {
  let url: URL

  init() throws {
    url = FileManager.default.temporaryDirectory
      .appendingPathComponent("run-history-tests-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
  }

  /// The history database inside this directory (not created).
  var database: URL { url.appendingPathComponent("history.sqlite") }

  deinit {
    // Restore write permission on anything a test made read-only, then remove it all.
    if let walker = FileManager.default.enumerator(atPath: url.path) {
      for case let path as String in walker {
        chmod(url.appendingPathComponent(path).path, 0o700)
      }
    }
    chmod(url.path, 0o700)
    try? FileManager.default.removeItem(at: url)
  }
}

/// Collects the warnings a recorder reports through `onWarning`.
final class WarningLog: @unchecked Sendable {
  private let lock = NSLock()
  private var problems: [HistoryProblem] = []

  var all: [HistoryProblem] { lock.withLock { problems } }

  func append(_ problem: HistoryProblem) { lock.withLock { problems.append(problem) } }
}

/// A recorder for `database` that masks what `redactor` knows and reports into `log`.
func makeRecorder(
  _ database: URL, log: WarningLog = WarningLog(), busyTimeout: TimeInterval = 5,
  batchSize: Int = 200, flushInterval: Duration = .seconds(2),
  redactor: SecretRedactor = SecretRedactor()
) -> RunRecorder {
  RunRecorder(
    database: database, redactor: redactor, busyTimeout: busyTimeout, batchSize: batchSize,
    flushInterval: flushInterval, onWarning: { log.append($0) })
}

/// Metadata of a `provision` run started by alice on laptop.
func provisionRun(command: String = "provision", at startedAt: Date = Date()) -> RunMetadata {
  RunMetadata(
    command: command, commandLine: "cluster-mgr \(command) --limit lab-w1",
    inventoryPath: "inventory/hosts.yml", inventorySHA256: String(repeating: "ab", count: 32),
    checkMode: false, startedAt: startedAt, user: "alice", machine: "laptop")
}

/// A task result on `host`.
func task(
  _ host: String, _ name: String, _ status: TaskRecord.Status = .ok, diff: String? = nil,
  message: String? = nil
) -> TaskRecord {
  TaskRecord(
    host: host, role: "k3s", task: name, status: status, durationMilliseconds: 12,
    message: message, diff: diff)
}

/// Polls `condition` every 20 ms until it holds or `seconds` pass; returns its last value.
func eventually(
  within seconds: Double = 5, _ condition: () async throws -> Bool
) async rethrows -> Bool {
  let deadline = Date().addingTimeInterval(seconds)
  while Date() < deadline {
    if try await condition() { return true }
    try? await Task.sleep(for: .milliseconds(20))
  }
  return try await condition()
}
