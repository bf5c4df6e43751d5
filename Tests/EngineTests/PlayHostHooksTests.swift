import Basics
import Engine
import Foundation
import Testing

/// A play's host hooks run around each host in its batch: a failed `before` keeps the host's
/// play from starting, `after` learns how the play ended, and both results are reported.
struct PlayHostHooksTests {
  /// Logs each call into the shared script log of the sessions.
  final class LoggingHooks: PlayHostHooks, @unchecked Sendable {
    let sessions: InterruptionTests.ScriptedSessions
    let refuse: Set<String>
    private let lock = NSLock()
    private var entries: [String] = []

    init(sessions: InterruptionTests.ScriptedSessions, refuse: Set<String> = []) {
      self.sessions = sessions
      self.refuse = refuse
    }

    var log: [String] { lock.withLock { entries } }

    func before(host: String, play: String) async -> [TaskResult] {
      lock.withLock { entries.append("before \(host)") }
      let status: TaskStatus = refuse.contains(host) ? .failed : .changed
      return [
        TaskResult(
          play: play, host: host, role: "hook", task: "before", status: status, summary: "")
      ]
    }

    func after(host: String, play: String, succeeded: Bool) async -> [TaskResult] {
      lock.withLock { entries.append("after \(host) \(succeeded)") }
      return [
        TaskResult(play: play, host: host, role: "hook", task: "after", status: .ok, summary: "")
      ]
    }
  }

  static func run(_ sessions: InterruptionTests.ScriptedSessions, hooks: LoggingHooks) async
    -> RunReport
  {
    var play = Play(
      "agents", hosts: ["a", "b"],
      roles: [Role("r") { _ in [TaskSpec("t", InterruptionTests.AlwaysChange())] }],
      strategy: .serial(1))
    play.hostHooks = hooks
    let runner = Runner(
      sessions: sessions, options: RunOptions(), observer: InterruptionTests.Events(),
      redactor: SecretRedactor())
    return await runner.run([play])
  }

  @Test func hooksRunAroundEachHostOfTheBatch() async {
    let sessions = InterruptionTests.ScriptedSessions()
    let hooks = LoggingHooks(sessions: sessions)
    let report = await Self.run(sessions, hooks: hooks)
    #expect(hooks.log == ["before a", "after a true", "before b", "after b true"])
    #expect(sessions.calls == ["a probe", "a apply", "b probe", "b apply"])
    #expect(
      report.results.map { "\($0.host) \($0.task)" } == [
        "a before", "a t", "a after", "b before", "b t", "b after",
      ])
    #expect(report.recaps.map(\.failed) == [0, 0])
  }

  @Test func aFailedBeforeKeepsTheHostsPlayFromStarting() async {
    let sessions = InterruptionTests.ScriptedSessions()
    let hooks = LoggingHooks(sessions: sessions, refuse: ["a"])
    let report = await Self.run(sessions, hooks: hooks)
    #expect(hooks.log == ["before a", "before b", "after b true"])
    #expect(sessions.calls == ["b probe", "b apply"])
    #expect(report.recaps.first { $0.host == "a" }?.failed == 1)
    #expect(!report.succeeded)
  }
}
