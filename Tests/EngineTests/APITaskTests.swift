import Basics
import Engine
import Foundation
import Testing

/// Tasks that work through an API: after a host's own changes, each planned and applied in turn;
/// `--check` plans only; a failure stops the tasks after it; a play of API tasks alone opens no
/// SSH session.
struct APITaskTests {
  /// An API resource whose plan and apply are recorded.
  struct Recorded: APIResource {
    let name: String
    let decision: Plan.Decision
    let log: Log
    var fails = false

    func plan(_ context: PlanContext) async throws -> APIPlan {
      log.add("plan \(name)\(context.earlierTaskChanges ? " after changes" : "")")
      if fails { throw PlanError("\(name) cannot be planned", remedy: "fix it") }
      guard decision == .change else { return .ok("\(name) as desired") }
      return APIPlan(Plan(.change, "change \(name)", diff: "--- \(name)\n")) {
        log.add("apply \(name)")
        return APIOutcome(changed: true, output: "\(name) applied")
      }
    }
  }

  final class Log: @unchecked Sendable {
    private let lock = NSLock()
    private var entries: [String] = []
    func add(_ entry: String) { lock.withLock { entries.append(entry) } }
    var all: [String] { lock.withLock { entries } }
  }

  static func run(
    _ roles: [Role], hosts: [String], sessions: InterruptionTests.ScriptedSessions, check: Bool
  ) async -> RunReport {
    var options = RunOptions()
    options.checkMode = check
    options.diffMode = true
    let runner = Runner(
      sessions: sessions, options: options, observer: InterruptionTests.Events(),
      redactor: SecretRedactor())
    return await runner.run([Play("p", hosts: hosts, roles: roles)])
  }

  @Test func apiTasksRunAfterTheHostsChangesAndSeeThem() async {
    let log = Log()
    let sessions = InterruptionTests.ScriptedSessions()
    let role = Role("r") { _ in
      [
        TaskSpec("host change", InterruptionTests.AlwaysChange()),
        TaskSpec("wait", Recorded(name: "wait", decision: .ok, log: log)),
        TaskSpec("apply", Recorded(name: "apply", decision: .change, log: log)),
      ]
    }
    let report = await Self.run([role], hosts: ["a"], sessions: sessions, check: false)
    #expect(sessions.calls == ["a probe", "a apply"])
    #expect(log.all == ["plan wait after changes", "plan apply after changes", "apply apply"])
    #expect(report.status("wait", on: "a") == .ok)
    #expect(report.status("apply", on: "a") == .changed)
    #expect(report.results.first { $0.task == "apply" }?.diff == "--- apply\n")
    #expect(report.results.first { $0.task == "apply" }?.output == "apply applied")
  }

  @Test func checkModePlansOnly() async {
    let log = Log()
    let sessions = InterruptionTests.ScriptedSessions()
    let role = Role("r") { _ in
      [TaskSpec("apply", Recorded(name: "apply", decision: .change, log: log))]
    }
    let report = await Self.run([role], hosts: ["cluster"], sessions: sessions, check: true)
    #expect(log.all == ["plan apply"])
    #expect(report.status("apply") == .changed)
    #expect(sessions.calls.isEmpty, "a play of API tasks opens no session")
  }

  @Test func aFailureStopsTheTasksAfterIt() async {
    let log = Log()
    let sessions = InterruptionTests.ScriptedSessions()
    let role = Role("r") { _ in
      [
        TaskSpec("first", Recorded(name: "first", decision: .change, log: log, fails: true)),
        TaskSpec("second", Recorded(name: "second", decision: .change, log: log)),
      ]
    }
    let report = await Self.run([role], hosts: ["cluster"], sessions: sessions, check: false)
    #expect(log.all == ["plan first"])
    let first = report.results.first { $0.task == "first" }
    #expect(first?.status == .failed)
    #expect(first?.failure?.contains("first cannot be planned\n  fix: fix it") == true)
    #expect(report.status("second") == .skipped)
    #expect(!report.succeeded)
  }

  @Test func aHostTaskAfterAnAPITaskIsRefused() async {
    let log = Log()
    let sessions = InterruptionTests.ScriptedSessions()
    let role = Role("r") { _ in
      [
        TaskSpec("api", Recorded(name: "api", decision: .ok, log: log)),
        TaskSpec("host", InterruptionTests.AlwaysChange()),
      ]
    }
    let report = await Self.run([role], hosts: ["a"], sessions: sessions, check: false)
    #expect(sessions.calls.isEmpty && log.all.isEmpty)
    #expect(
      report.results.first?.failure?.contains("follows a task that works through the API") == true)
  }
}
