import Basics
import ClusterMgrTesting
import Engine
import Foundation
import Testing

/// Failures name host, role, task, command, exit status and output; other hosts carry on;
/// a re-run after a failure converges, including handlers notified before the failure. On local
/// roots; a failing service's journal is in ``SystemPrimitiveTests``.
struct FailureTests {
  let hosts = LocalRootSessionProvider()

  @Test func aFailingTaskStopsItsHostOnlyAndTheRerunConverges() async throws {
    let engine = EngineHarness(sessions: hosts)
    let role = Role(
      "app", handlers: [Handler("reload", script: "echo reloaded >> /var/log/cm-reload.log")]
    ) { context in
      [
        TaskSpec("config", ManagedFile("/etc/cm-app.conf", content: .text("v=1\n"))).notify("reload"),
        TaskSpec("gate", RunCommand("test -e /etc/cm-gate || { echo 'gate is closed' >&2; exit 7; }")),
        TaskSpec("after", ManagedFile("/etc/cm-after", content: .text("x"))),
      ]
    }
    let first = await engine.run([role], on: ["w1", "w2"])
    let failure = try #require(first.results.first { $0.status == .failed })
    #expect(failure.host == "w1" || failure.host == "w2")
    let text = try #require(failure.failure)
    #expect(text.contains("/ app / gate failed (exit status 7)"))
    #expect(text.contains("gate is closed"))
    #expect(text.contains("command: test -e /etc/cm-gate"))
    // Both hosts failed at the gate; no handler ran, later tasks were not reached.
    #expect(first.status("after", on: "w1") == .skipped)
    #expect(first.handlersRun.isEmpty)
    #expect(try hosts.exec("w1", "test -e /var/log/cm-reload.log").status != 0)

    // Open the gate on one host: it converges and runs the handler left pending by the failure.
    try hosts.exec("w1", "touch /etc/cm-gate")
    let second = await engine.run([role], on: ["w1", "w2"])
    #expect(second.recaps.first { $0.host == "w1" }?.failed == 0)
    #expect(second.recaps.first { $0.host == "w2" }?.failed == 1)
    #expect(second.status("config", on: "w1") == .ok)
    #expect(
      second.results.contains {
        $0.host == "w1" && $0.task == "handler: reload" && $0.status == .changed
      })
    #expect(try hosts.exec("w1", "cat /var/log/cm-reload.log").stdout == "reloaded\n")

    let third = await engine.run([role], on: ["w1"])
    #expect(third.taskStatuses == [.ok, .changed, .ok])  // the gate command has no guard: it runs
    #expect(third.handlersRun.isEmpty)
  }

  @Test func failFastStopsStartingHostsAfterAFailure() async throws {
    var options = RunOptions()
    options.forks = 1
    options.failFast = true
    let runner = Runner(
      sessions: hosts, options: options, observer: RecordingObserver(),
      redactor: SecretRedactor())
    let role = Role("gate") { _ in [TaskSpec("always fails", RunCommand("exit 9"))] }
    let report = await runner.run([Play("p", hosts: ["w1", "w2"], roles: [role])])
    #expect(report.aborted)
    #expect(report.status("always fails", on: "w1") == .failed)
    #expect(report.results.contains { $0.host == "w2" && $0.summary.contains("--fail-fast") })
  }

  @Test func checkModeOfAFailingPlanStillNamesTheTask() async throws {
    let engine = EngineHarness(sessions: hosts)
    try hosts.exec("w1", "mkdir -p /etc/cm-is-a-dir")
    let report = await engine.run(
      [TaskSpec("bad", LineInFile("/etc/cm-is-a-dir", matching: "x", line: "x"))], on: "w1",
      check: true)
    #expect(report.status("bad") == .failed)
    #expect(report.results.first?.failure?.contains("not a regular file") == true)
  }
}

extension FailureTests {
  @Test func anArtifactThatArrivesDamagedFailsItsHostAndChangesNothing() async throws {
    let engine = EngineHarness(sessions: hosts)
    let local = FileManager.default.temporaryDirectory.appendingPathComponent("cm-bad-\(UUID())")
    defer { try? FileManager.default.removeItem(at: local) }
    try Data("the real bytes\n".utf8).write(to: local)
    // The sha256 the role declares is not the file's: the host refuses what arrives.
    let declared = FileHash.sha256(of: Data("other bytes\n".utf8))
    let tasks = [
      TaskSpec("before", ManagedFile("/opt/cm-bad/before", content: .text("x\n"))),
      TaskSpec(
        "tool",
        ManagedFile("/opt/cm-bad/tool", content: .artifact(localPath: local.path, sha256: declared))),
    ]
    let report = await engine.run(tasks, on: "w1")
    #expect(report.recaps.first?.unreachable == 0)
    #expect(report.status("tool") == .failed && report.status("before") == .failed)
    let failure = report.results.first { $0.task == "tool" }?.failure ?? ""
    #expect(failure.contains("arrived with sha256"), "\(failure)")
    #expect(failure.contains(declared))
    // The change script never started: not even the task before the artifact ran.
    #expect(try hosts.exec("w1", "test -e /opt/cm-bad").status != 0)
    #expect(try hosts.exec("w1", "ls -A /var/lib/cluster-mgr/stage").stdout == "")
  }
}
