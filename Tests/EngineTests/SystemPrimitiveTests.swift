import Basics
import ClusterMgrTesting
import Engine
import Foundation
import Testing

/// The primitives that need what only a real Debian host has (``PrimitiveTests`` runs the
/// others on local roots): owners other than root (a second user), systemd (units, services,
/// their journal), and the kernel (sysctls, modules).
@Suite(.serialized, .lab("t-engine", hosts: ["lab-w1"]))
struct SystemPrimitiveTests {
  let host = "lab-w1"

  func harness() throws -> (LabInstance, EngineHarness) {
    let lab = try LabInstance.required()
    return (lab, EngineHarness(sessions: TestSessions.provider(for: lab)))
  }

  @Test func filesAndDirectoriesOwnedByAnotherUser() async throws {
    let (lab, engine) = try harness()
    let local = FileManager.default.temporaryDirectory.appendingPathComponent(
      "cm-artifact-\(UUID())")
    defer { try? FileManager.default.removeItem(at: local) }
    let bytes = Data("an artifact\n".utf8)
    try bytes.write(to: local)
    // A setgid directory of the group lab hands its group down: the engine puts root:root back.
    try lab.exec(
      host,
      "mkdir -p /opt/cm-own/shared && chgrp lab /opt/cm-own/shared && chmod 2775 /opt/cm-own/shared"
    )
    let tasks = [
      TaskSpec(
        "file",
        ManagedFile(
          "/etc/cm-own/motd", content: .text("hello\n"), mode: 0o640, owner: "root", group: "lab")),
      TaskSpec("dir", Directory("/srv/cm-own", mode: 0o750, owner: "lab", group: "lab")),
      TaskSpec(
        "artifact",
        ManagedFile(
          "/opt/cm-own/shared/tool",
          content: .artifact(localPath: local.path, sha256: FileHash.sha256(of: bytes)),
          mode: 0o700)),
    ]
    let reports = await engine.converge(tasks, on: host)
    #expect(reports[1].taskStatuses == [.changed, .changed, .changed])
    #expect(reports[2].taskStatuses == [.ok, .ok, .ok])
    #expect(
      try lab.exec(
        host, "stat -c '%a %U %G' /etc/cm-own/motd /srv/cm-own /opt/cm-own/shared/tool"
      ).stdout == "640 root lab\n750 lab lab\n700 root root\n")
  }

  @Test func systemdUnitServiceAndHandlersWithDaemonReload() async throws {
    let (lab, engine) = try harness()
    let unit = """
      [Unit]
      Description=cluster-mgr engine test service
      [Service]
      ExecStart=/bin/sleep infinity
      [Install]
      WantedBy=multi-user.target

      """
    let handlers = [
      Handler(
        "restart", script: "echo restarted >> /var/log/cm-handler.log; systemctl restart cm-test")
    ]
    let tasks = [
      TaskSpec("unit", ManagedFile("/etc/systemd/system/cm-test.service", content: .text(unit)).systemdUnit())
        .notify("restart"),
      TaskSpec("conf", ManagedFile("/etc/cm-test.conf", content: .text("a=1\n"))).notify("restart"),
      TaskSpec("service", Service("cm-test")),
    ]
    let reports = await engine.converge(tasks, handlers: handlers, on: host)
    #expect(reports[0].handlersRun == ["handler: restart"])
    #expect(reports[1].taskStatuses == [.changed, .changed, .changed])
    #expect(reports[1].handlersRun == ["handler: restart"])
    #expect(reports[2].taskStatuses == [.ok, .ok, .ok])
    #expect(reports[2].handlersRun.isEmpty)
    #expect(
      try lab.exec(
        host,
        "cat /var/log/cm-handler.log; systemctl is-active cm-test; systemctl is-enabled cm-test"
      ).stdout == "restarted\nactive\nenabled\n")
  }

  @Test func aFailingServiceReportsItsJournal() async throws {
    let (_, engine) = try harness()
    let unit =
      "[Unit]\nDescription=broken\n[Service]\nExecStart=/bin/sh -c 'echo cm-broken-start >&2; exit 3'\n"
    let report = await engine.run(
      [
        TaskSpec(
          "unit", ManagedFile("/etc/systemd/system/cm-broken.service", content: .text(unit)).systemdUnit()),
        TaskSpec("service", Service("cm-broken", enabled: false)),
      ], on: host)
    let failure = try #require(report.results.first { $0.status == .failed }?.failure)
    #expect(failure.contains("\(host) / test / service failed"))
    #expect(failure.contains("journal"))
    #expect(failure.contains("cm-broken-start"))
  }

  @Test func sysctlAndKernelModules() async throws {
    let (lab, engine) = try harness()
    try lab.exec(host, "sysctl -w net.ipv4.ip_forward=0")
    let reports = await engine.converge(
      [
        TaskSpec(
          "sysctl", Sysctl(file: "/etc/sysctl.d/90-cm-test.conf", [("net.ipv4.ip_forward", "1")])),
        TaskSpec(
          "modules",
          KernelModules(file: "/etc/modules-load.d/cm-test.conf", ["overlay", "br_netfilter"])),
      ], on: host)
    #expect(reports[1].taskStatuses == [.changed, .changed])
    #expect(reports[2].taskStatuses == [.ok, .ok])
    #expect(try lab.exec(host, "sysctl -n net.ipv4.ip_forward").stdout == "1\n")
  }
}
