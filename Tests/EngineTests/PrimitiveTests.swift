import Basics
import ClusterMgrTesting
import Engine
import Foundation
import Testing

/// Each primitive on a host of its own (a local root, see ``LocalRootSessionProvider``): the
/// first run changes, the second is ok and runs no handler, check mode reports the change
/// without making it, a clean host in check mode does not fail. What needs systemd, the kernel
/// or a second user is in ``SystemPrimitiveTests``, on a lab host.
struct PrimitiveTests {
  let host = "w1"
  let hosts = LocalRootSessionProvider()

  var engine: EngineHarness { EngineHarness(sessions: hosts) }

  /// Check mode, then two real runs on the host (through `sessions`, else this test's roots).
  func converge(_ tasks: [TaskSpec], on sessions: (any HostSessionProvider)? = nil) async
    -> [RunReport]
  {
    await EngineHarness(sessions: sessions ?? hosts).converge(tasks, on: host)
  }

  @Test func fileWithContentAndMode() async throws {
    let task = TaskSpec("motd", ManagedFile("/etc/cm-test/motd", content: .text("hello\n"), mode: 0o640))
    let reports = await converge([task])
    #expect(reports[0].status("motd") == .changed)
    #expect(reports[0].results.first?.diff?.contains("+hello") == true)
    #expect(reports[1].status("motd") == .changed)
    #expect(reports[2].status("motd") == .ok)
    #expect(
      try hosts.exec(host, "stat -c '%a %U %G' /etc/cm-test/motd; cat /etc/cm-test/motd").stdout
        == "640 root root\nhello\n")
    try hosts.exec(host, "chmod 600 /etc/cm-test/motd")
    #expect(await engine.run([task], on: host).status("motd") == .changed)
    #expect(try hosts.exec(host, "stat -c %a /etc/cm-test/motd").stdout == "640\n")
    // The chmod changed the file's ctime: the sha256 the host remembers is recorded again with
    // the new identity, so later probes do not read the file again.
    let key = FileHash.sha256(of: Data("/etc/cm-test/motd".utf8))
    let record = try hosts.exec(
      host,
      "read -r id sha < /var/lib/cluster-mgr/sha256/\(key); [ \"$id\" = \"$(find /etc/cm-test/motd -maxdepth 0 -printf '%D:%i:%s:%T@:%C@')\" ] && echo \"$sha\""
    )
    #expect(record.stdout == FileHash.sha256(of: Data("hello\n".utf8)) + "\n")
    #expect(await engine.run([task], on: host).status("motd") == .ok)
  }

  @Test func pathsWithSpacesAndPatternCharacters() async throws {
    let dir = "/opt/cm odd [x]"
    let tasks = [
      TaskSpec("dir", Directory(dir + "/d?ir", mode: 0o750)),
      TaskSpec("file", ManagedFile(dir + "/a*b.conf", content: .text("odd\n"), mode: 0o600)),
      TaskSpec("twin", ManagedFile(dir + "/aXb.conf", content: .text("twin\n"))),
      TaskSpec("link", Symlink(dir + "/l*nk", target: dir + "/a*b.conf")),
      TaskSpec("line", LineInFile(dir + "/list $HOME", matching: "^k=", line: "k=v")),
    ]
    let reports = await converge(tasks)
    #expect(reports[0].taskStatuses == [.changed, .changed, .changed, .changed, .changed])
    #expect(reports[1].taskStatuses == [.changed, .changed, .changed, .changed, .changed])
    #expect(
      reports[2].taskStatuses == [.ok, .ok, .ok, .ok, .ok], "\(reports[2].results.map(\.summary))")
    let state = try hosts.exec(
      host,
      "cd '\(dir)' && stat -c '%a %n' 'd?ir' 'a*b.conf' && cat 'a*b.conf' aXb.conf 'list $HOME' && readlink 'l*nk'"
    ).stdout
    #expect(state == "750 d?ir\n600 a*b.conf\nodd\ntwin\nk=v\n\(dir)/a*b.conf\n")
  }

  @Test func artifactUploadBySHA256() async throws {
    let local = FileManager.default.temporaryDirectory.appendingPathComponent(
      "cm-artifact-\(UUID())")
    defer { try? FileManager.default.removeItem(at: local) }
    let bytes = Data((0..<(3 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 2_654_435_761 >> 13) })
    try bytes.write(to: local)
    let sha = FileHash.sha256(of: bytes)
    // The same artifact twice (the second copies the first), once into a setgid directory (of
    // another group in SystemPrimitiveTests).
    try hosts.exec(host, "mkdir -p /opt/cm-art/shared && chmod 2775 /opt/cm-art/shared")
    let tasks = [
      TaskSpec(
        "bin",
        ManagedFile(
          "/opt/cm-art/bin/tool", content: .artifact(localPath: local.path, sha256: sha),
          mode: 0o755)),
      TaskSpec(
        "copy",
        ManagedFile(
          "/opt/cm-art/shared/tool", content: .artifact(localPath: local.path, sha256: sha),
          mode: 0o700)),
    ]
    let reports = await converge(tasks)
    #expect(reports[0].status("bin") == .changed)
    #expect(reports[1].status("bin") == .changed && reports[1].status("copy") == .changed)
    #expect(reports[2].status("bin") == .ok && reports[2].status("copy") == .ok)
    let state = try hosts.exec(
      host,
      "for f in /opt/cm-art/bin/tool /opt/cm-art/shared/tool; do stat -c '%a %U %G' $f; sha256sum < $f; done; ls -A /var/lib/cluster-mgr/stage"
    ).stdout
    #expect(state == "755 root root\n\(sha)  -\n700 root root\n\(sha)  -\n")
    // A replaced binary is noticed (its identity changed) and put back.
    try hosts.exec(host, "echo tampered > /opt/cm-art/bin/tool")
    #expect(await engine.run(tasks, on: host).status("bin") == .changed)
    #expect(try hosts.exec(host, "sha256sum < /opt/cm-art/bin/tool").stdout == "\(sha)  -\n")
  }

  @Test func checkModeChangesNothingOnACleanHost() async throws {
    let tasks = [
      TaskSpec("dir", Directory("/opt/cm-check/sub", mode: 0o700)),
      TaskSpec("file", ManagedFile("/opt/cm-check/sub/f", content: .text("x"))),
      TaskSpec("link", Symlink("/opt/cm-check/link", target: "/opt/cm-check/sub/f")),
      TaskSpec("line", LineInFile("/opt/cm-check/list", matching: "^a=", line: "a=1")),
      TaskSpec("svc", Service("cm-nonexistent")),
      TaskSpec("wait", WaitFor(.file("/opt/cm-check/sub/f"), timeoutSeconds: 1)),
      TaskSpec("cmd", RunCommand("touch /opt/cm-check/done", creates: "/opt/cm-check/done")),
      TaskSpec("fetch", Fetch("/opt/cm-check/sub/f", as: "f")),
    ]
    let report = await engine.run(tasks, on: host, check: true)
    #expect(report.succeeded, "\(report.results.compactMap(\.failure))")
    #expect(!report.taskStatuses.contains(.failed))
    #expect(try hosts.exec(host, "test -e /opt/cm-check").status != 0)
  }

  @Test func directoryAbsentAndSymlink() async throws {
    try hosts.exec(host, "mkdir -p /srv/cm-old && touch /srv/cm-old/x")
    let reports = await converge([
      TaskSpec("dir", Directory("/srv/cm-dir", mode: 0o750)),
      TaskSpec("gone", Absent("/srv/cm-old", recursive: true)),
      TaskSpec("link", Symlink("/srv/cm-link", target: "/srv/cm-dir")),
    ])
    #expect(reports[1].taskStatuses == [.changed, .changed, .changed])
    #expect(reports[2].taskStatuses == [.ok, .ok, .ok])
    #expect(
      try hosts.exec(
        host, "stat -c '%a %U' /srv/cm-dir; readlink /srv/cm-link; test -e /srv/cm-old || echo gone"
      ).stdout == "750 root\n/srv/cm-dir\ngone\n")
  }

  @Test func lineInFileReplacesAppendsAndRemoves() async throws {
    try hosts.exec(host, "printf '# comment\\nkeep=1\\nname=old\\nswap x\\n' > /etc/cm-lines")
    let reports = await converge([
      TaskSpec("replace", LineInFile("/etc/cm-lines", matching: "^name=", line: "name=new")),
      TaskSpec("append", LineInFile("/etc/cm-lines", matching: "^extra=", line: "extra=yes")),
      TaskSpec("remove", LineInFile("/etc/cm-lines", absent: "^swap ")),
    ])
    #expect(reports[1].taskStatuses == [.changed, .changed, .changed])
    #expect(reports[2].taskStatuses == [.ok, .ok, .ok])
    #expect(
      try hosts.exec(host, "cat /etc/cm-lines").stdout == "# comment\nkeep=1\nname=new\nextra=yes\n"
    )
  }

  @Test func lineInFileKeepsSeveralLinesInOneWrite() async throws {
    try hosts.exec(host, "printf 'a=0\\nb=1\\n' > /etc/cm-multi")
    let lines = [
      (matching: "^a=", line: "a=1"), (matching: "^c=", line: "c=3"),
      (matching: "^c=", line: "c=4"),
    ]
    let reports = await converge([TaskSpec("lines", LineInFile("/etc/cm-multi", lines: lines))])
    #expect(reports[0].status("lines") == .changed)
    #expect(reports[1].status("lines") == .changed)
    #expect(reports[2].status("lines") == .ok)
    #expect(try hosts.exec(host, "cat /etc/cm-multi").stdout == "a=1\nb=1\nc=4\n")
  }

  @Test func packagesAlreadyInstalledAreOkAndMissingOnesArePlanned() async throws {
    try hosts.root(host).write(
      Self.dpkgStatus(["ca-certificates", "openssh-server"]), to: "/var/lib/dpkg/status")
    let installed = await engine.run(
      [TaskSpec("pkgs", Packages(["ca-certificates", "openssh-server"]))], on: host)
    #expect(installed.status("pkgs") == .ok)
    let missing = await engine.run(
      [TaskSpec("pkgs", Packages(["cm-not-installed-package"]))], on: host, check: true)
    #expect(missing.status("pkgs") == .changed)
    #expect(missing.results.first?.summary == "install cm-not-installed-package")
  }

  @Test func commandGuardsAndWaitFor() async throws {
    // The host waits for a service of this machine: it shares its network.
    let networked = LocalRootSessionProvider(sharesNetwork: true)
    let service = try LoopbackListener()
    let reports = await converge(
      [
        TaskSpec(
          "creates",
          RunCommand(
            "echo once >> /var/log/cm-once.log; touch /var/lib/cm-once",
            creates: "/var/lib/cm-once")),
        TaskSpec("unless", RunCommand("echo x > /etc/cm-unless", unless: "grep -q x /etc/cm-unless")),
        TaskSpec(
          "service up", WaitFor(.port(host: "127.0.0.1", port: service.port), timeoutSeconds: 5)),
      ], on: networked)
    #expect(reports[1].taskStatuses == [.changed, .changed, .ok])
    #expect(reports[2].taskStatuses == [.ok, .ok, .ok])
    #expect(try networked.exec(host, "cat /var/log/cm-once.log").stdout == "once\n")
  }

  @Test func fetchPublishesAFactAndSecretsAreMasked() async throws {
    try hosts.exec(host, "echo 's3cret-token-value' > /root/cm-token; chmod 600 /root/cm-token")
    let runner = Runner(
      sessions: engine.sessions, options: RunOptions(), observer: RecordingObserver(),
      redactor: engine.redactor)
    let role = Role("fetcher") { _ in
      [
        TaskSpec("token", Fetch("/root/cm-token", as: "token", secret: true)),
        TaskSpec("echo", RunCommand("cat /root/cm-token; echo done")),
      ]
    }
    let report = await runner.run([Play("p", hosts: [host], roles: [role])])
    #expect(runner.facts.snapshot.value("token", on: host) == "s3cret-token-value")
    let text = report.results.map { "\($0.summary) \($0.output ?? "") \($0.diff ?? "")" }.joined()
    #expect(text.contains("done"))
    #expect(!text.contains("s3cret-token-value"))
  }

  /// A dpkg status file in which `packages` are installed.
  static func dpkgStatus(_ packages: [String]) -> String {
    packages.map {
      "Package: \($0)\nStatus: install ok installed\nMaintainer: cm\nArchitecture: all\n"
        + "Version: 1\nDescription: \($0)\n\n"
    }.joined()
  }
}
