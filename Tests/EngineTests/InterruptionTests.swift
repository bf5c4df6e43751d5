import Basics
import Engine
import Foundation
import SSHTransport
import Testing

/// Ctrl-C during a run: nothing new starts (no host, no play, no change script), what was asked
/// of a host so far is reported, and the report says the run was interrupted. With sessions that
/// answer scripts from memory, so the order of the calls can be checked exactly.
struct InterruptionTests {
  /// A change that is always needed.
  struct AlwaysChange: Resource {
    func probeScript(_ context: PlanContext) -> String { ":" }
    func plan(current: ProbeSection, context: PlanContext) throws -> Plan {
      Plan(.change, "make the change", apply: "true")
    }
  }

  /// Sessions that log each script (`host probe`, `host apply`) and answer as a host would.
  final class ScriptedSessions: HostSessionProvider, @unchecked Sendable {
    private let lock = NSLock()
    private var log: [String] = []
    /// Called with the host whose probe is being answered.
    let duringProbe: @Sendable (String) -> Void

    init(duringProbe: @escaping @Sendable (String) -> Void = { _ in }) {
      self.duringProbe = duringProbe
    }

    var calls: [String] { lock.withLock { log } }

    func session(for host: String) async throws -> any HostSession {
      ScriptedSession(host: host, sessions: self)
    }

    func closeAll() async {}

    func answer(_ script: String, host: String) -> ScriptOutput {
      let probe = script.contains("@@cm-probe")
      lock.withLock { log.append(host + (probe ? " probe" : " apply")) }
      if probe {
        duringProbe(host)
        return ScriptOutput(
          stdout: "@@cm-probe pending\n@@cm-probe end\n", stderr: "", exitStatus: 0)
      }
      return ScriptOutput(
        stdout: "@@cm-task 0 begin 1\n@@cm-task 0 done 1 2 \n@@cm-end\n", stderr: "", exitStatus: 0)
    }
  }

  struct ScriptedSession: HostSession {
    let host: String
    let sessions: ScriptedSessions

    func runScript(_ script: String, after files: [StagedUpload], timeout: Duration?) async throws
      -> ScriptOutput
    {
      sessions.answer(script, host: host)
    }

    var roundTrips: Int { get async { 0 } }
  }

  /// Collects events.
  final class Events: RunObserver, @unchecked Sendable {
    private let lock = NSLock()
    private var events: [RunEvent] = []
    func handle(_ event: RunEvent) { lock.withLock { events.append(event) } }
    var playsStarted: [String] {
      lock.withLock {
        events.compactMap { if case .playStarted(let name, _) = $0 { name } else { nil } }
      }
    }
  }

  static let plays = [
    Play("one", hosts: ["a", "b"], roles: [Role("r") { _ in [TaskSpec("t", AlwaysChange())] }]),
    Play("two", hosts: ["a"], roles: [Role("r") { _ in [TaskSpec("t", AlwaysChange())] }]),
  ]

  static func run(_ sessions: ScriptedSessions, interruption: Interruption) async -> (
    RunReport, Events
  ) {
    var options = RunOptions()
    options.forks = 1
    options.interruption = interruption
    let events = Events()
    let runner = Runner(
      sessions: sessions, options: options, observer: events, redactor: SecretRedactor())
    return (await runner.run(Self.plays), events)
  }

  @Test func withoutAnInterruptionEveryHostProbesAndApplies() async {
    let sessions = ScriptedSessions()
    let (report, events) = await Self.run(sessions, interruption: Interruption())
    #expect(sessions.calls == ["a probe", "a apply", "b probe", "b apply", "a probe", "a apply"])
    #expect(!report.interrupted && !report.aborted)
    #expect(events.playsStarted == ["one", "two"])
  }

  @Test func anInterruptionDuringAProbeStartsNoChangeNoHostAndNoPlay() async {
    let interruption = Interruption()
    let sessions = ScriptedSessions { host in
      if host == "a" { interruption.request("SIGINT") }
    }
    let (report, events) = await Self.run(sessions, interruption: interruption)
    #expect(sessions.calls == ["a probe"])
    #expect(report.interrupted && report.aborted)
    #expect(events.playsStarted == ["one"])
    let a = report.results.filter { $0.host == "a" }
    #expect(a.map(\.status) == [.skipped])
    #expect(a.first?.summary == "not changed: interrupted (SIGINT)")
    let b = report.results.filter { $0.host == "b" }
    #expect(b.map(\.summary) == ["not started: interrupted (SIGINT)"])
  }

  @Test func anInterruptionBeforeTheRunStartsNothing() async {
    let interruption = Interruption()
    interruption.request("SIGTERM")
    let sessions = ScriptedSessions()
    let (report, events) = await Self.run(sessions, interruption: interruption)
    #expect(sessions.calls.isEmpty)
    #expect(report.interrupted)
    #expect(events.playsStarted.isEmpty)
  }
}
