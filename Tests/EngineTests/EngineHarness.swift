import Basics
import ClusterMgrTesting
import Engine
import Foundation
import Testing

/// Collects run events for assertions.
final class RecordingObserver: RunObserver, @unchecked Sendable {
  private let lock = NSLock()
  private(set) var events: [RunEvent] = []

  func handle(_ event: RunEvent) {
    lock.lock()
    events.append(event)
    lock.unlock()
  }

  var warnings: [String] {
    lock.lock()
    defer { lock.unlock() }
    return events.compactMap { if case .warning(let text) = $0 { return text } else { return nil } }
  }
}

/// Runs roles on hosts (local roots or a lab's) and reads back results.
struct EngineHarness {
  let sessions: any HostSessionProvider
  let redactor = SecretRedactor()

  func run(
    _ roles: [Role], on hosts: [String], check: Bool = false, diff: Bool = false,
    tags: Set<String> = [], skipTags: Set<String> = []
  ) async -> RunReport {
    var options = RunOptions()
    options.checkMode = check
    options.diffMode = diff
    options.tags = tags
    options.skipTags = skipTags
    let runner = Runner(
      sessions: sessions, options: options, observer: RecordingObserver(), redactor: redactor)
    return await runner.run([Play("test", hosts: hosts, roles: roles)])
  }

  func run(
    _ tasks: [TaskSpec], handlers: [Handler] = [], on host: String, check: Bool = false,
    diff: Bool = false
  )
    async -> RunReport
  {
    await run(
      [Role("test", handlers: handlers) { _ in tasks }], on: [host], check: check, diff: diff)
  }

  /// Check mode (with diffs), then two real runs of `tasks` on `host`: the three reports.
  func converge(_ tasks: [TaskSpec], handlers: [Handler] = [], on host: String) async -> [RunReport] {
    let check = await run(tasks, handlers: handlers, on: host, check: true, diff: true)
    let first = await run(tasks, handlers: handlers, on: host)
    let second = await run(tasks, handlers: handlers, on: host)
    return [check, first, second]
  }
}

extension RunReport {
  /// The status of the named task on `host`.
  func status(_ task: String, on host: String? = nil) -> TaskStatus? {
    results.last { $0.task == task && (host == nil || $0.host == host) }?.status
  }

  /// Statuses of all non-handler tasks.
  var taskStatuses: [TaskStatus] { results.filter { !$0.isHandler }.map(\.status) }

  /// Handlers that ran (or would run).
  var handlersRun: [String] { results.filter(\.isHandler).map(\.task) }
}
