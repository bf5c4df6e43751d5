import Basics
import ClusterMgrTesting
import Engine
import Foundation
import Testing

/// Failures name host, role, task, command, exit status and output; other hosts carry on;
/// a re-run after a failure converges, including handlers notified before the failure.
@Suite(.serialized, .lab("t-engfail", hosts: ["lab-w1", "lab-w2"]))
struct FailureTests {
  @Test func aFailingTaskStopsItsHostOnlyAndTheRerunConverges() async throws {
    let lab = try LabInstance.required()
    let engine = EngineHarness(sessions: TestSessions.provider(for: lab))
    try lab.exec("lab-w2", "rm -f /etc/cm-gate")
    let role = Role(
      "app", handlers: [Handler("reload", script: "echo reloaded >> /var/log/cm-reload.log")]
    ) { context in
      [
        Task("config", File("/etc/cm-app.conf", content: .text("v=1\n"))).notify("reload"),
        Task("gate", Command("test -e /etc/cm-gate || { echo 'gate is closed' >&2; exit 7; }")),
        Task("after", File("/etc/cm-after", content: .text("x"))),
      ]
    }
    let first = await engine.run([role], on: ["lab-w1", "lab-w2"])
    let failure = try #require(first.results.first { $0.status == .failed })
    #expect(failure.host == "lab-w1" || failure.host == "lab-w2")
    let text = try #require(failure.failure)
    #expect(text.contains("/ app / gate failed (exit status 7)"))
    #expect(text.contains("gate is closed"))
    #expect(text.contains("command: test -e /etc/cm-gate"))
    // Both hosts failed at the gate; no handler ran, later tasks were not reached.
    #expect(first.status("after", on: "lab-w1") == .skipped)
    #expect(first.handlersRun.isEmpty)
    #expect(try lab.exec("lab-w1", "test -e /var/log/cm-reload.log").status != 0)

    // Open the gate on one host: it converges and runs the handler left pending by the failure.
    try lab.exec("lab-w1", "touch /etc/cm-gate")
    let second = await engine.run([role], on: ["lab-w1", "lab-w2"])
    #expect(second.recaps.first { $0.host == "lab-w1" }?.failed == 0)
    #expect(second.recaps.first { $0.host == "lab-w2" }?.failed == 1)
    #expect(second.status("config", on: "lab-w1") == .ok)
    #expect(
      second.results.contains {
        $0.host == "lab-w1" && $0.task == "handler: reload" && $0.status == .changed
      })
    #expect(try lab.exec("lab-w1", "cat /var/log/cm-reload.log").stdout == "reloaded\n")

    let third = await engine.run([role], on: ["lab-w1"])
    #expect(third.taskStatuses == [.ok, .changed, .ok])  // the gate command has no guard: it runs
    #expect(third.handlersRun.isEmpty)
  }

  @Test func failFastStopsStartingHostsAfterAFailure() async throws {
    let lab = try LabInstance.required()
    var options = RunOptions()
    options.forks = 1
    options.failFast = true
    let runner = Runner(
      sessions: TestSessions.provider(for: lab), options: options, observer: RecordingObserver(),
      redactor: SecretRedactor())
    let role = Role("gate") { _ in [Task("always fails", Command("exit 9"))] }
    let report = await runner.run([Play("p", hosts: ["lab-w1", "lab-w2"], roles: [role])])
    #expect(report.aborted)
    #expect(report.status("always fails", on: "lab-w1") == .failed)
    #expect(report.results.contains { $0.host == "lab-w2" && $0.summary.contains("--fail-fast") })
  }

  @Test func aFailingServiceReportsItsJournal() async throws {
    let lab = try LabInstance.required()
    let engine = EngineHarness(sessions: TestSessions.provider(for: lab))
    let unit =
      "[Unit]\nDescription=broken\n[Service]\nExecStart=/bin/sh -c 'echo cm-broken-start >&2; exit 3'\n"
    let report = await engine.run(
      [
        Task(
          "unit", File("/etc/systemd/system/cm-broken.service", content: .text(unit)).systemdUnit()),
        Task("service", Service("cm-broken", enabled: false)),
      ], on: "lab-w2")
    let failure = try #require(report.results.first { $0.status == .failed }?.failure)
    #expect(failure.contains("lab-w2 / test / service failed"))
    #expect(failure.contains("journal"))
    #expect(failure.contains("cm-broken-start"))
  }

  @Test func checkModeOfAFailingPlanStillNamesTheTask() async throws {
    let lab = try LabInstance.required()
    let engine = EngineHarness(sessions: TestSessions.provider(for: lab))
    try lab.exec("lab-w1", "mkdir -p /etc/cm-is-a-dir")
    let report = await engine.run(
      [Task("bad", LineInFile("/etc/cm-is-a-dir", matching: "x", line: "x"))], on: "lab-w1",
      check: true)
    #expect(report.status("bad") == .failed)
    #expect(report.results.first?.failure?.contains("not a regular file") == true)
  }
}

extension FailureTests {
  @Test func anArtifactThatArrivesDamagedFailsItsHostAndChangesNothing() async throws {
    let lab = try LabInstance.required()
    let engine = EngineHarness(sessions: TestSessions.provider(for: lab))
    let local = FileManager.default.temporaryDirectory.appendingPathComponent("cm-bad-\(UUID())")
    defer { try? FileManager.default.removeItem(at: local) }
    try Data("the real bytes\n".utf8).write(to: local)
    try lab.exec("lab-w1", "rm -rf /opt/cm-bad")
    // The sha256 the role declares is not the file's: the host refuses what arrives.
    let declared = FileHash.sha256(of: Data("other bytes\n".utf8))
    let tasks = [
      Task("before", File("/opt/cm-bad/before", content: .text("x\n"))),
      Task(
        "tool",
        File("/opt/cm-bad/tool", content: .artifact(localPath: local.path, sha256: declared))),
    ]
    let report = await engine.run(tasks, on: "lab-w1")
    #expect(report.recaps.first?.unreachable == 0)
    #expect(report.status("tool") == .failed && report.status("before") == .failed)
    let failure = report.results.first { $0.task == "tool" }?.failure ?? ""
    #expect(failure.contains("arrived with sha256"), "\(failure)")
    #expect(failure.contains(declared))
    // The change script never started: not even the task before the artifact ran.
    #expect(try lab.exec("lab-w1", "test -e /opt/cm-bad").status != 0)
    #expect(try lab.exec("lab-w1", "ls -A /var/lib/cluster-mgr/stage").stdout == "")
  }
}

/// A no-op run costs one round trip per host however many tasks the role has.
@Suite(.serialized, .lab("t-engrt", hosts: ["lab-w1", "lab-w2"]))
struct RoundTripTests {
  @Test(arguments: [5, 60])
  func noOpRunIsOneRoundTripPerHost(tasks count: Int) async throws {
    let lab = try LabInstance.required()
    let role = Role("many") { _ in
      (0..<count).map { Task("file \($0)", File("/etc/cm-rt/\($0)", content: .text("\($0)\n"))) }
        + [Task("svc", Service("ssh")), Task("pkg", Packages(["openssh-server"]))]
    }
    let warm = EngineHarness(sessions: TestSessions.provider(for: lab))
    _ = await warm.run([role], on: ["lab-w1", "lab-w2"])
    let engine = EngineHarness(sessions: TestSessions.provider(for: lab))
    let report = await engine.run([role], on: ["lab-w1", "lab-w2"])
    #expect(report.recaps.allSatisfy { $0.changed == 0 && $0.ok == count + 2 })
    #expect(report.recaps.map(\.roundTrips) == [1, 1])
  }

  @Test func aChangeWithAnArtifactIsTwoRoundTripsPerHost() async throws {
    let lab = try LabInstance.required()
    let local = FileManager.default.temporaryDirectory.appendingPathComponent("cm-rt-\(UUID())")
    defer { try? FileManager.default.removeItem(at: local) }
    let bytes = Data((0..<(1 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 97) })
    try bytes.write(to: local)
    for host in ["lab-w1", "lab-w2"] { try lab.exec(host, "rm -rf /opt/cm-rt-art") }
    let tasks = [
      Task("config", File("/opt/cm-rt-art/config", content: .text("a=1\n"))),
      Task(
        "binary",
        File(
          "/opt/cm-rt-art/tool",
          content: .artifact(localPath: local.path, sha256: FileHash.sha256(of: bytes)),
          mode: 0o755)),
    ]
    let engine = EngineHarness(sessions: TestSessions.provider(for: lab))
    let report = await engine.run([Role("art") { _ in tasks }], on: ["lab-w1", "lab-w2"])
    #expect(report.recaps.allSatisfy { $0.changed == 2 && $0.failed == 0 })
    // The probe, then the artifact and the change script together.
    #expect(report.recaps.map(\.roundTrips) == [2, 2])
  }
}
