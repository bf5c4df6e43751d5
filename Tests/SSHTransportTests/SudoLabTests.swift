import ClusterMgrTesting
import Foundation
import SSHTransport
import Testing

extension SSHLabTests {
  @Test func passwordlessSudoRunsAsRootWithCleanOutput() async throws {
    let lab = try LabInstance.required()
    let connection = try await lab.connect("lab-cp1")
    let result = try await connection.execute(
      .script("id -u; cat; echo warn >&2", sudo: true, stdin: Data("piped\n".utf8)))
    #expect(result.stdoutText == "0\npiped\n")
    #expect(result.stderrText == "warn\n")
    #expect(result.exitStatus == 0)
  }

  @Test func sudoWithTheCorrectPasswordRunsAsRoot() async throws {
    let lab = try LabInstance.required()
    let target = lab.target("lab-cp1", user: lab.passwordUser, becomePassword: lab.sudoPassword)
    let connection = try await SSHConnection.connect(to: target, options: lab.sshOptions())
    for _ in 0..<2 {
      let result = try await connection.execute(
        .script("id -u; cat", sudo: true, stdin: Data("after the password\n".utf8)))
      #expect(result.stdoutText == "0\nafter the password\n")
      #expect(result.stderrText.isEmpty, "sudo's prompt leaked: \(result.stderrText)")
    }
  }

  @Test func sudoWithAWrongPasswordFailsFastAndClearly() async throws {
    let lab = try LabInstance.required()
    let target = lab.target("lab-cp1", user: lab.passwordUser, becomePassword: "not-the-password")
    let connection = try await SSHConnection.connect(to: target, options: lab.sshOptions())
    let started = ContinuousClock.now
    let error = await expectSSHError {
      _ = try await connection.execute(.script("id -u", sudo: true, step: "become root"))
    }
    #expect(started.duration(to: .now) < .seconds(5))
    #expect(error?.kind == .sudoPasswordWrong)
    #expect(error?.message == "lab-cp1: become root: sudo rejected the password for labpw.")
    #expect(error?.remedy?.contains("ansible_become_password") == true)
    // The session survives a rejected password.
    #expect(try await connection.execute(.script("echo ok")).stdoutText == "ok\n")
  }

  @Test func sudoWithoutAPasswordWhereOneIsNeededSaysSo() async throws {
    let lab = try LabInstance.required()
    let target = lab.target("lab-cp1", user: lab.passwordUser)
    let connection = try await SSHConnection.connect(to: target, options: lab.sshOptions())
    let started = ContinuousClock.now
    let error = await expectSSHError {
      _ = try await connection.execute(.script("true", sudo: true))
    }
    #expect(started.duration(to: .now) < .seconds(5))
    #expect(error?.kind == .sudoPasswordRequired)
    #expect(error?.remedy?.contains("ansible_become_password") == true)
    #expect(error?.remedy?.contains("--ask-become-pass") == true)
  }

  @Test func theAskedPasswordServesTargetsWithoutTheirOwn() async throws {
    let lab = try LabInstance.required()
    var options = lab.sshOptions()
    options.becomePassword = lab.sudoPassword
    let target = lab.target("lab-cp1", user: lab.passwordUser)
    let connection = try await SSHConnection.connect(to: target, options: options)
    for _ in 0..<3 {
      #expect(try await connection.execute(.script("id -u", sudo: true)).stdoutText == "0\n")
    }
  }
}

/// A thread-safe counter for closures the transport calls.
final class Counter: @unchecked Sendable {
  private let lock = NSLock()
  private var count = 0
  var value: Int { lock.withLock { count } }
  func increment() { lock.withLock { count += 1 } }
}
