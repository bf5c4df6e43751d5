import Basics
import ClusterMgrTesting
import Engine
import Foundation
import SSHTransport
import Testing

/// The local session the engine tests run on: root in a throwaway root of its own per host,
/// the machine's `/usr` read-only, staged files checked by the SSH session's receiving script,
/// round trips counted, time limits enforced on every process a script started.
struct LocalRootSessionTests {
  let hosts = LocalRootSessionProvider()

  func run(_ script: String, on host: String = "h1", timeout: Duration? = .seconds(60))
    async throws -> ScriptOutput
  {
    try await hosts.session(for: host).runScript(script, after: [], timeout: timeout)
  }

  @Test func scriptsRunAsRootOfTheirOwnHost() async throws {
    let output = try await run(
      "id -u; hostname; echo \"$HOME $PATH\"; touch /usr/bin/cm-x 2>/dev/null || echo usr read-only"
    )
    #expect(output.exitStatus == 0, "\(output.stderr)")
    #expect(
      output.stdout
        == "0\nh1\n/root /usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\nusr read-only\n"
    )
    let made = try await run(
      "mkdir -p /etc/cm && echo one > /etc/cm/f && stat -c '%U %G' /etc/cm/f")
    #expect(made.stdout == "root root\n")
    #expect(try hosts.exec("h1", "cat /etc/cm/f").stdout == "one\n")
    #expect(try hosts.exec("h2", "test -e /etc/cm/f").status != 0)
    #expect(
      try String(contentsOf: hosts.root("h1").url(of: "/etc/cm/f"), encoding: .utf8) == "one\n")
  }

  @Test func roundTripsCountScriptsNotExecs() async throws {
    _ = try await run(":")
    _ = try await run(":")
    try hosts.exec("h1", ":")
    #expect(try await hosts.session(for: "h1").roundTrips == 2)
    #expect(try await hosts.session(for: "h2").roundTrips == 0)
  }

  @Test func stagedFilesArriveCheckedBeforeTheScriptRuns() async throws {
    let bytes = Data((0..<200_000).map { UInt8(truncatingIfNeeded: $0 &* 31) })
    let local = try Self.temporaryFile(bytes)
    defer { try? FileManager.default.removeItem(at: local) }
    let upload = StagedUpload(
      localFile: local, remotePath: "/var/lib/cluster-mgr/stage/r-a",
      sha256: FileHash.sha256(of: bytes))
    let session = try await hosts.session(for: "h1")
    let output = try await session.runScript(
      "stat -c %a /var/lib/cluster-mgr/stage; stat -c '%a %s' /var/lib/cluster-mgr/stage/r-a",
      after: [upload], timeout: .seconds(60))
    #expect(output.stdout == "700\n600 200000\n", "\(output.stderr)")
    #expect(await session.roundTrips == 1)

    var damaged = upload
    damaged.sha256 = FileHash.sha256(of: Data("other".utf8))
    damaged.remotePath = "/var/lib/cluster-mgr/stage/r-b"
    let error = await #expect(throws: SSHError.self) {
      try await session.runScript("touch /ran", after: [damaged], timeout: .seconds(60))
    }
    #expect(error?.kind == .transferFailed)
    #expect(error?.reason.contains("arrived with sha256") == true)
    #expect(
      try hosts.exec("h1", "ls -A /var/lib/cluster-mgr/stage; test -e /ran").stdout == "r-a\n")
  }

  @Test func aScriptPastItsTimeLimitIsKilledWithEverythingItStarted() async throws {
    let started = ContinuousClock.now
    let error = await #expect(throws: SSHError.self) {
      try await run("(sleep 30; touch /late) & sleep 30", timeout: .seconds(1))
    }
    #expect(error?.kind == .timeout)
    #expect(started.duration(to: .now) < .seconds(20))
    try await Task.sleep(for: .seconds(1))
    #expect(try hosts.exec("h1", "test -e /late").status != 0)
  }

  @Test func theNetworkIsTheMachinesOnlyWhenShared() async throws {
    let listener = try LoopbackListener()
    let connect = "timeout 5 bash -c 'exec 3<>/dev/tcp/127.0.0.1/\(listener.port)' && echo reached"
    #expect(try hosts.exec("h1", connect).stdout == "")
    let shared = LocalRootSessionProvider(sharesNetwork: true)
    #expect(try shared.exec("h1", connect).stdout == "reached\n")
  }

  @Test func whatASandboxCannotHaveFailsAsOnAHostWithoutIt() async throws {
    let output = try await run(
      "systemctl is-active ssh || echo no systemd; sysctl -n net.ipv4.ip_forward || echo no sysctls; test -d /sys/module || echo no modules"
    )
    #expect(output.stdout.hasSuffix("no systemd\nno sysctls\nno modules\n"), "\(output.stdout)")
  }

  static func temporaryFile(_ data: Data) throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("cm-stage-\(UUID())")
    try data.write(to: url)
    return url
  }
}
