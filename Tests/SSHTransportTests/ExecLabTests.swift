import ClusterMgrTesting
import Foundation
import Testing

@testable import SSHTransport

extension SSHLabTests {
  @Test func successReturnsExactOutputAndStatus() async throws {
    let lab = try LabInstance.required()
    let connection = try await lab.connect("lab-cp1")
    let result = try await connection.execute(.script("printf 'out\\n'; printf 'err\\n' >&2"))
    #expect(
      result
        == ExecResult(
          stdout: Data("out\n".utf8), stderr: Data("err\n".utf8), exitStatus: 0, exitSignal: nil))
    #expect(result.succeeded)
  }

  @Test func exitStatusThreeIsReported() async throws {
    let lab = try LabInstance.required()
    let connection = try await lab.connect("lab-cp1")
    let result = try await connection.execute(.script("echo partial; exit 3"))
    #expect(result.exitStatus == 3)
    #expect(result.exitSignal == nil)
    #expect(result.stdoutText == "partial\n")
    let error = await expectSSHError {
      try await connection.executeChecked(.script("exit 3", step: "three"))
    }
    #expect(error?.kind == .commandFailed)
    #expect(error?.step == "three")
    #expect(error?.message.contains("exited with status 3") == true)
  }

  @Test func killedBySIGKILLReportsTheSignal() async throws {
    let lab = try LabInstance.required()
    let connection = try await lab.connect("lab-cp1")
    let result = try await connection.execute(.script("echo before; kill -KILL $$; echo after"))
    #expect(result.exitSignal == "KILL")
    #expect(result.stdoutText == "before\n")
    #expect(!result.succeeded)
  }

  @Test func tenMegabytesOnStdoutAndStderrAtOnce() async throws {
    let lab = try LabInstance.required()
    let connection = try await lab.connect("lab-cp1")
    let size = 10 * 1024 * 1024
    let result = try await connection.execute(
      .script(
        "yes 0123456789abcdef | head -c \(size) & yes ABCDEFGHIJ | head -c \(size) >&2 & wait",
        timeout: .seconds(60)))
    #expect(result.exitStatus == 0)
    #expect(result.stdout.count == size)
    #expect(result.stderr.count == size)
    #expect(
      result.stdout
        == Data(String(repeating: "0123456789abcdef\n", count: size / 17 + 1).utf8.prefix(size)))
    #expect(
      result.stderr
        == Data(String(repeating: "ABCDEFGHIJ\n", count: size / 11 + 1).utf8.prefix(size)))
  }

  @Test func aCommandOutlivingItsTimeoutIsEndedOnTheHost() async throws {
    let lab = try LabInstance.required()
    var options = lab.sshOptions()
    options.killGrace = .seconds(1)
    let connection = try await lab.connect("lab-cp1", options: options)
    let started = ContinuousClock.now
    let error = await expectSSHError {
      _ = try await connection.execute(
        .script("sleep 987 & sleep 986; wait", timeout: .seconds(2), step: "slow step"))
    }
    let elapsed = started.duration(to: .now)
    #expect(error?.kind == .timeout)
    #expect(error?.step == "slow step")
    #expect(error?.reason.contains("was ended") == true)
    #expect(elapsed < .seconds(6))
    let left = try lab.exec("lab-cp1", "pgrep -f 'sleep 98[67]' || true")
    #expect(left.stdout.isEmpty, "still running on the host: \(left.stdout)")
    // The connection still works afterwards.
    #expect(try await connection.execute(.script("echo ok")).stdoutText == "ok\n")
  }

  @Test func aCommandIgnoringSIGTERMIsKilledAfterTheGrace() async throws {
    let lab = try LabInstance.required()
    var options = lab.sshOptions()
    options.killGrace = .seconds(1)
    let connection = try await lab.connect("lab-cp1", options: options)
    let error = await expectSSHError {
      _ = try await connection.execute(
        .script("trap '' TERM; sleep 985 & wait; sleep 985", sudo: true, timeout: .seconds(1)))
    }
    #expect(error?.kind == .timeout)
    let left = try lab.exec("lab-cp1", "pgrep -f 'sleep 98[5]' || true")
    #expect(left.stdout.isEmpty, "still running on the host: \(left.stdout)")
  }

  @Test func stdinAndEnvironmentReachTheCommand() async throws {
    let lab = try LabInstance.required()
    let connection = try await lab.connect("lab-cp1")
    let input = Data((0..<(1 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31) })
    let echoed = try await connection.execute(.argv(["cat"], stdin: input))
    #expect(echoed.stdout == input)
    let env = try await connection.execute(
      .script(
        "printf '%s|%s' \"$GREETING\" \"$OTHER\"",
        environment: ["GREETING": "hello world", "OTHER": "x=y"]))
    #expect(env.stdoutText == "hello world|x=y")
  }

  @Test func oneSessionServesManyCommandsAndCountsRoundTrips() async throws {
    let lab = try LabInstance.required()
    let connection = try await lab.connect("lab-cp1")
    var origins: Set<String> = []
    for _ in 0..<5 {
      origins.insert(try await connection.execute(.script("echo \"$SSH_CONNECTION\"")).stdoutText)
    }
    try await connection.upload(Data("x".utf8), to: "/tmp/round-trip-probe")
    #expect(await connection.roundTrips == 6)
    #expect(await connection.isOnOwnThread())
    // sshd reports the same client address and port to every command: one TCP connection.
    #expect(origins.count == 1)
    #expect(origins.first?.hasPrefix(lab.gateway + " ") == true)
  }
}

extension SSHLabTests {
  /// A held connection that died while idle (here: its sshd process killed on the host) is
  /// opened again for the next command, which then runs once; a closed one is not.
  @Test func aConnectionLostBetweenCommandsIsOpenedAgainForTheNext() async throws {
    let lab = try LabInstance.required()
    let connection = try await lab.connect("lab-w1")
    // The connection's own sshd process: the `sshd: USER@notty` ancestor of the command.
    let findSSHD = """
      p=$$
      while [ "$p" -gt 1 ]; do
        case "$(tr '\\0' ' ' < /proc/$p/cmdline)" in "sshd: "*@notty*) echo "$p"; exit 0 ;; esac
        p=$(awk '{print $4}' /proc/$p/stat)
      done
      exit 1
      """
    let sshd = try await connection.execute(.script(findSSHD)).stdoutText
      .trimmingCharacters(in: .whitespacesAndNewlines)
    #expect(Int(sshd) != nil)
    try lab.exec("lab-w1", "kill \(sshd)")
    try await Task.sleep(for: .milliseconds(300))
    let again = try await connection.execute(
      .script("echo once >> /tmp/reconnect-count\n" + findSSHD))
    #expect(again.succeeded)
    #expect(again.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines) != sshd)
    #expect(try lab.exec("lab-w1", "cat /tmp/reconnect-count").stdout == "once\n")

    await connection.close()
    let closed = await expectSSHError { _ = try await connection.execute(.script("true")) }
    #expect(closed?.kind == .unreachable, "a closed connection is not opened again")
  }
}

extension SSHLabTests {
  /// sshd answers a new connection's first channel request only after opening the login's PAM
  /// session, which on a real host can wait long for logind (a user manager still stopping): that
  /// first command waits up to ``SSHOptions/loginSessionTimeout``, not the connect limit, and
  /// when even that runs out the error names the login session, once (no second login).
  @Test func aSlowLoginSessionStillRunsTheFirstCommand() async throws {
    let lab = try LabInstance.required()
    let marker = "cluster-mgr test: slow login session"
    let pam = try lab.exec(
      "lab-w1",
      "echo 'session optional pam_exec.so quiet /bin/sleep 4 # \(marker)' >> /etc/pam.d/sshd")
    try #require(pam.status == 0, "\(pam.stderr)")
    defer { _ = try? lab.exec("lab-w1", "sed -i '/\(marker)/d' /etc/pam.d/sshd") }
    var options = lab.sshOptions()
    options.connectTimeout = .seconds(2)

    let connection = try await lab.connect("lab-w1", options: options)
    let started = ContinuousClock.now
    let first = try await connection.execute(.script("echo first"))
    #expect(first.stdoutText == "first\n")
    #expect(started.duration(to: .now) >= .seconds(3), "the first channel waited for the session")
    let second = try await connection.execute(.script("echo second"))
    #expect(second.stdoutText == "second\n")

    options.loginSessionTimeout = .seconds(2)
    let logins = {
      Int(
        try lab.exec("lab-w1", "journalctl -u ssh -o cat | grep -c '^Accepted publickey'").stdout
          .trimmingCharacters(in: .whitespacesAndNewlines))
    }
    let before = try #require(try logins())
    let impatient = try await lab.connect("lab-w1", options: options)
    let error = await expectSSHError { _ = try await impatient.execute(.script("echo never")) }
    #expect(error?.kind == .unreachable)
    #expect(
      error?.reason.contains(
        "accepted the login of \(lab.user) but did not open its session within 2 s")
        == true, "\(error?.message ?? "")")
    #expect(error?.remedy?.contains("user@UID.service") == true)
    #expect(try logins() == before + 1, "one login, no second one")
  }
}
