import Basics
import ClusterMgrTesting
import Engine
import Foundation
import Testing

/// Each primitive over a real Debian host: the first run changes, the second is ok and runs
/// no handler, check mode reports the change without making it, a clean host in check mode
/// does not fail.
@Suite(.serialized, .lab("t-engine", hosts: ["lab-w1"]))
struct PrimitiveTests {
  let host = "lab-w1"

  func harness() throws -> (LabInstance, EngineHarness) {
    let lab = try LabInstance.required()
    return (lab, EngineHarness(sessions: TestSessions.provider(for: lab)))
  }

  /// Check mode, then two real runs: returns the three reports.
  func converge(_ tasks: [Task], handlers: [Handler] = []) async throws -> [RunReport] {
    let (_, engine) = try harness()
    let check = await engine.run(tasks, handlers: handlers, on: host, check: true, diff: true)
    let first = await engine.run(tasks, handlers: handlers, on: host)
    let second = await engine.run(tasks, handlers: handlers, on: host)
    return [check, first, second]
  }

  @Test func fileWithContentModeAndOwner() async throws {
    let (lab, _) = try harness()
    let task = Task(
      "motd",
      File("/etc/cm-test/motd", content: .text("hello\n"), mode: 0o640, owner: "root", group: "lab")
    )
    let reports = try await converge([task])
    #expect(reports[0].status("motd") == .changed)
    #expect(reports[0].results.first?.diff?.contains("+hello") == true)
    #expect(reports[1].status("motd") == .changed)
    #expect(reports[2].status("motd") == .ok)
    #expect(
      try lab.exec(host, "stat -c '%a %U %G' /etc/cm-test/motd; cat /etc/cm-test/motd").stdout
        == "640 root lab\nhello\n")
    try lab.exec(host, "chmod 600 /etc/cm-test/motd")
    let (_, engine) = try harness()
    #expect(await engine.run([task], on: host).status("motd") == .changed)
    #expect(try lab.exec(host, "stat -c %a /etc/cm-test/motd").stdout == "640\n")
    // The chmod changed the file's ctime: the sha256 the host remembers is recorded again with
    // the new identity, so later probes do not read the file again.
    let key = FileHash.sha256(of: Data("/etc/cm-test/motd".utf8))
    let record = try lab.exec(
      host,
      "read -r id sha < /var/lib/cluster-mgr/sha256/\(key); [ \"$id\" = \"$(find /etc/cm-test/motd -maxdepth 0 -printf '%D:%i:%s:%T@:%C@')\" ] && echo \"$sha\""
    )
    #expect(record.stdout == FileHash.sha256(of: Data("hello\n".utf8)) + "\n")
    #expect(await engine.run([task], on: host).status("motd") == .ok)
  }

  @Test func pathsWithSpacesAndPatternCharacters() async throws {
    let (lab, _) = try harness()
    let dir = "/opt/cm odd [x]"
    let tasks = [
      Task("dir", Directory(dir + "/d?ir", mode: 0o750)),
      Task("file", File(dir + "/a*b.conf", content: .text("odd\n"), mode: 0o600)),
      Task("twin", File(dir + "/aXb.conf", content: .text("twin\n"))),
      Task("link", Symlink(dir + "/l*nk", target: dir + "/a*b.conf")),
      Task("line", LineInFile(dir + "/list $HOME", matching: "^k=", line: "k=v")),
    ]
    let reports = try await converge(tasks)
    #expect(reports[0].taskStatuses == [.changed, .changed, .changed, .changed, .changed])
    #expect(reports[1].taskStatuses == [.changed, .changed, .changed, .changed, .changed])
    #expect(
      reports[2].taskStatuses == [.ok, .ok, .ok, .ok, .ok], "\(reports[2].results.map(\.summary))")
    let state = try lab.exec(
      host,
      "cd '\(dir)' && stat -c '%a %n' 'd?ir' 'a*b.conf' && cat 'a*b.conf' aXb.conf 'list $HOME' && readlink 'l*nk'"
    ).stdout
    #expect(state == "750 d?ir\n600 a*b.conf\nodd\ntwin\nk=v\n\(dir)/a*b.conf\n")
  }

  @Test func artifactUploadBySHA256() async throws {
    let (lab, _) = try harness()
    let local = FileManager.default.temporaryDirectory.appendingPathComponent(
      "cm-artifact-\(UUID())")
    defer { try? FileManager.default.removeItem(at: local) }
    let bytes = Data((0..<(3 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 2_654_435_761 >> 13) })
    try bytes.write(to: local)
    let sha = FileHash.sha256(of: bytes)
    // The same artifact twice (the second copies the first), once into a setgid directory.
    try lab.exec(
      host,
      "mkdir -p /opt/cm-art/shared && chgrp lab /opt/cm-art/shared && chmod 2775 /opt/cm-art/shared"
    )
    let tasks = [
      Task(
        "bin",
        File(
          "/opt/cm-art/bin/tool", content: .artifact(localPath: local.path, sha256: sha),
          mode: 0o755)),
      Task(
        "copy",
        File(
          "/opt/cm-art/shared/tool", content: .artifact(localPath: local.path, sha256: sha),
          mode: 0o700)),
    ]
    let reports = try await converge(tasks)
    #expect(reports[0].status("bin") == .changed)
    #expect(reports[1].status("bin") == .changed && reports[1].status("copy") == .changed)
    #expect(reports[2].status("bin") == .ok && reports[2].status("copy") == .ok)
    let state = try lab.exec(
      host,
      "for f in /opt/cm-art/bin/tool /opt/cm-art/shared/tool; do stat -c '%a %U %G' $f; sha256sum < $f; done; ls -A /var/lib/cluster-mgr/stage"
    ).stdout
    #expect(state == "755 root root\n\(sha)  -\n700 root root\n\(sha)  -\n")
    // A replaced binary is noticed (its identity changed) and put back.
    try lab.exec(host, "echo tampered > /opt/cm-art/bin/tool")
    let (_, engine) = try harness()
    #expect(await engine.run(tasks, on: host).status("bin") == .changed)
    #expect(try lab.exec(host, "sha256sum < /opt/cm-art/bin/tool").stdout == "\(sha)  -\n")
  }

  @Test func checkModeChangesNothingOnACleanHost() async throws {
    let (lab, engine) = try harness()
    let tasks = [
      Task("dir", Directory("/opt/cm-check/sub", mode: 0o700)),
      Task("file", File("/opt/cm-check/sub/f", content: .text("x"))),
      Task("link", Symlink("/opt/cm-check/link", target: "/opt/cm-check/sub/f")),
      Task("line", LineInFile("/opt/cm-check/list", matching: "^a=", line: "a=1")),
      Task("svc", Service("cm-nonexistent")),
      Task("wait", WaitFor(.file("/opt/cm-check/sub/f"), timeoutSeconds: 1)),
      Task("cmd", Command("touch /opt/cm-check/done", creates: "/opt/cm-check/done")),
      Task("fetch", Fetch("/opt/cm-check/sub/f", as: "f")),
    ]
    let report = await engine.run(tasks, on: host, check: true)
    #expect(report.succeeded, "\(report.results.compactMap(\.failure))")
    #expect(!report.taskStatuses.contains(.failed))
    #expect(try lab.exec(host, "test -e /opt/cm-check").status != 0)
  }

  @Test func directoryAbsentAndSymlink() async throws {
    let (lab, _) = try harness()
    try lab.exec(host, "mkdir -p /srv/cm-old && touch /srv/cm-old/x")
    let reports = try await converge([
      Task("dir", Directory("/srv/cm-dir", mode: 0o750, owner: "lab", group: "lab")),
      Task("gone", Absent("/srv/cm-old", recursive: true)),
      Task("link", Symlink("/srv/cm-link", target: "/srv/cm-dir")),
    ])
    #expect(reports[1].taskStatuses == [.changed, .changed, .changed])
    #expect(reports[2].taskStatuses == [.ok, .ok, .ok])
    #expect(
      try lab.exec(
        host, "stat -c '%a %U' /srv/cm-dir; readlink /srv/cm-link; test -e /srv/cm-old || echo gone"
      ).stdout == "750 lab\n/srv/cm-dir\ngone\n")
  }

  @Test func lineInFileReplacesAppendsAndRemoves() async throws {
    let (lab, _) = try harness()
    try lab.exec(host, "printf '# comment\\nkeep=1\\nname=old\\nswap x\\n' > /etc/cm-lines")
    let reports = try await converge([
      Task("replace", LineInFile("/etc/cm-lines", matching: "^name=", line: "name=new")),
      Task("append", LineInFile("/etc/cm-lines", matching: "^extra=", line: "extra=yes")),
      Task("remove", LineInFile("/etc/cm-lines", absent: "^swap ")),
    ])
    #expect(reports[1].taskStatuses == [.changed, .changed, .changed])
    #expect(reports[2].taskStatuses == [.ok, .ok, .ok])
    #expect(
      try lab.exec(host, "cat /etc/cm-lines").stdout == "# comment\nkeep=1\nname=new\nextra=yes\n")
  }

  @Test func lineInFileKeepsSeveralLinesInOneWrite() async throws {
    let (lab, _) = try harness()
    try lab.exec(host, "printf 'a=0\\nb=1\\n' > /etc/cm-multi")
    let lines = [
      (matching: "^a=", line: "a=1"), (matching: "^c=", line: "c=3"),
      (matching: "^c=", line: "c=4"),
    ]
    let reports = try await converge([Task("lines", LineInFile("/etc/cm-multi", lines: lines))])
    #expect(reports[0].status("lines") == .changed)
    #expect(reports[1].status("lines") == .changed)
    #expect(reports[2].status("lines") == .ok)
    #expect(try lab.exec(host, "cat /etc/cm-multi").stdout == "a=1\nb=1\nc=4\n")
  }

  @Test func packagesAlreadyInstalledAreOkAndMissingOnesArePlanned() async throws {
    let (_, engine) = try harness()
    let installed = await engine.run(
      [Task("pkgs", Packages(["ca-certificates", "openssh-server"]))], on: host)
    #expect(installed.status("pkgs") == .ok)
    let missing = await engine.run(
      [Task("pkgs", Packages(["cm-not-installed-package"]))], on: host, check: true)
    #expect(missing.status("pkgs") == .changed)
    #expect(missing.results.first?.summary == "install cm-not-installed-package")
  }

  @Test func systemdUnitServiceAndHandlersWithDaemonReload() async throws {
    let (lab, _) = try harness()
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
      Task("unit", File("/etc/systemd/system/cm-test.service", content: .text(unit)).systemdUnit())
        .notify("restart"),
      Task("conf", File("/etc/cm-test.conf", content: .text("a=1\n"))).notify("restart"),
      Task("service", Service("cm-test")),
    ]
    let reports = try await converge(tasks, handlers: handlers)
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

  @Test func sysctlAndKernelModules() async throws {
    let (lab, _) = try harness()
    try lab.exec(host, "sysctl -w net.ipv4.ip_forward=0")
    let reports = try await converge([
      Task("sysctl", Sysctl(file: "/etc/sysctl.d/90-cm-test.conf", [("net.ipv4.ip_forward", "1")])),
      Task(
        "modules",
        KernelModules(file: "/etc/modules-load.d/cm-test.conf", ["overlay", "br_netfilter"])),
    ])
    #expect(reports[1].taskStatuses == [.changed, .changed])
    #expect(reports[2].taskStatuses == [.ok, .ok])
    #expect(try lab.exec(host, "sysctl -n net.ipv4.ip_forward").stdout == "1\n")
  }

  @Test func commandGuardsAndWaitFor() async throws {
    let (lab, _) = try harness()
    let reports = try await converge([
      Task(
        "creates",
        Command(
          "echo once >> /var/log/cm-once.log; touch /var/lib/cm-once", creates: "/var/lib/cm-once")),
      Task("unless", Command("echo x > /etc/cm-unless", unless: "grep -q x /etc/cm-unless")),
      Task("ssh up", WaitFor(.port(host: "127.0.0.1", port: 22), timeoutSeconds: 5)),
    ])
    #expect(reports[1].taskStatuses == [.changed, .changed, .ok])
    #expect(reports[2].taskStatuses == [.ok, .ok, .ok])
    #expect(try lab.exec(host, "cat /var/log/cm-once.log").stdout == "once\n")
  }

  @Test func fetchPublishesAFactAndSecretsAreMasked() async throws {
    let (lab, engine) = try harness()
    try lab.exec(host, "echo 's3cret-token-value' > /root/cm-token; chmod 600 /root/cm-token")
    let runner = Runner(
      sessions: engine.sessions, options: RunOptions(), observer: RecordingObserver(),
      redactor: engine.redactor)
    let role = Role("fetcher") { _ in
      [
        Task("token", Fetch("/root/cm-token", as: "token", secret: true)),
        Task("echo", Command("cat /root/cm-token; echo done")),
      ]
    }
    let report = await runner.run([Play("p", hosts: [host], roles: [role])])
    #expect(runner.facts.snapshot.value("token", on: host) == "s3cret-token-value")
    let text = report.results.map { "\($0.summary) \($0.output ?? "") \($0.diff ?? "")" }.joined()
    #expect(text.contains("done"))
    #expect(!text.contains("s3cret-token-value"))
  }
}
