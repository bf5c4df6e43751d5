import ClusterMgrTesting
import Foundation
import SSHTransport
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// Authentication and host-key checking against real sshd.
///
/// Tests change authorized_keys, users, sshd's ports and host keys, so this suite has a lab of
/// its own.
@Suite(.serialized, .lab("t-sshauth", hosts: ["lab-cp1", "lab-w1"]))
struct SSHAuthLabTests {
  // MARK: - Authentication

  @Test func authenticatesWithAKeyHeldBySSHAgent() async throws {
    let lab = try LabInstance.required()
    let agent = try TestAgent()
    defer { agent.stop() }
    let rsa = try newKey("rsa", authorizedOn: nil, lab: lab)
    try agent.add(rsa)  // tried last: libssh2 1.10 cannot sign with it
    try agent.add(lab.keyPath)
    var options = lab.sshOptions()
    options.useAgent = true
    options.agentSocket = agent.socket
    let connection = try await SSHConnection.connect(
      to: lab.target("lab-cp1", keyFile: .some(nil)), options: options)
    #expect(await connection.authentication == .agent(key: "cluster-mgr-lab-t-sshauth"))
    #expect(try await connection.execute(.script("whoami")).stdoutText == "lab\n")
  }

  @Test func authenticatesWithAnEncryptedEd25519KeyFile() async throws {
    let lab = try LabInstance.required()
    let key = try newKey("ed25519", passphrase: "correct horse", authorizedOn: "lab-cp1", lab: lab)
    var options = lab.sshOptions()
    options.passphrase = { $0 == key ? "correct horse" : nil }
    let connection = try await SSHConnection.connect(
      to: lab.target("lab-cp1", keyFile: key), options: options)
    #expect(await connection.authentication == .keyFile(path: key))

    options.passphrase = { _ in "wrong horse" }
    let wrong = await expectSSHError {
      _ = try await SSHConnection.connect(to: lab.target("lab-cp1", keyFile: key), options: options)
    }
    #expect(wrong?.kind == .authFailed)
    #expect(wrong?.step == "authenticate")
    #expect(wrong?.reason.contains("\(key) (ed25519: wrong passphrase)") == true)

    options.passphrase = { _ in nil }
    let missing = await expectSSHError {
      _ = try await SSHConnection.connect(to: lab.target("lab-cp1", keyFile: key), options: options)
    }
    #expect(missing?.reason.contains("CLUSTER_MGR_SSH_PASSPHRASE") == true)
  }

  @Test func authenticatesWithAnECDSAKeyFromTheDefaultList() async throws {
    let lab = try LabInstance.required()
    let key = try newKey("ecdsa", authorizedOn: "lab-cp1", lab: lab)
    var options = lab.sshOptions()
    options.defaultKeyFiles = ["/nonexistent/id_ed25519", key]
    let connection = try await SSHConnection.connect(
      to: lab.target("lab-cp1", keyFile: .some(nil)), options: options)
    #expect(await connection.authentication == .keyFile(path: key))
  }

  @Test func anRSAKeyFailsWithTheDocumentedMessage() async throws {
    let lab = try LabInstance.required()
    let key = try newKey("rsa", authorizedOn: "lab-cp1", lab: lab)
    let error = await expectSSHError {
      _ = try await SSHConnection.connect(
        to: lab.target("lab-cp1", keyFile: key), options: lab.sshOptions())
    }
    #expect(error?.kind == .authFailed)
    #expect(error?.reason.contains("The remaining key is an RSA key (\(key))") == true)
    #expect(error?.reason.contains("SHA-1 (ssh-rsa), which OpenSSH 8.8 and later refuse") == true)
    #expect(error?.remedy?.hasPrefix("Use an ed25519 key: `ssh-keygen -t ed25519`") == true)
  }

  @Test func aKeyTheHostDoesNotKnowListsWhatWasTried() async throws {
    let lab = try LabInstance.required()
    let key = try newKey("ed25519", authorizedOn: nil, lab: lab)
    var options = lab.sshOptions()
    options.defaultKeyFiles = ["/nonexistent/id_ecdsa"]
    let error = await expectSSHError {
      _ = try await SSHConnection.connect(to: lab.target("lab-cp1", keyFile: key), options: options)
    }
    #expect(error?.kind == .authFailed)
    #expect(
      error?.reason == "the server accepted none of the keys for lab. Tried: ssh-agent (disabled); "
        + "\(key) (ed25519: rejected by the server); /nonexistent/id_ecdsa (not found).")
  }

  @Test func noneAuthenticationIsUsedWhenTheServerAcceptsIt() async throws {
    let lab = try LabInstance.required()
    try lab.exec(
      "lab-w1",
      "id nopw >/dev/null 2>&1 || { useradd -m -s /bin/bash nopw && passwd -d nopw >/dev/null; }; "
        + "printf 'Match User nopw\\n  PasswordAuthentication yes\\n  PermitEmptyPasswords yes\\n' "
        + "> /etc/ssh/sshd_config.d/none.conf && systemctl restart ssh")
    let connection = try await SSHConnection.connect(
      to: lab.target("lab-w1", user: "nopw", keyFile: .some(nil)), options: lab.sshOptions())
    #expect(await connection.authentication == .none)
    #expect(try await connection.execute(.script("whoami")).stdoutText == "nopw\n")
  }

  // MARK: - Helpers

  /// Generates a key pair in a scratch directory and authorizes it for `lab` on `host`.
  func newKey(
    _ type: String, passphrase: String = "", authorizedOn host: String?, lab: LabInstance
  ) throws -> String {
    let path = TemporaryDirectory.shared.file("id_\(type)")
    try local(["ssh-keygen", "-q", "-t", type, "-N", passphrase, "-C", "test-\(type)", "-f", path])
    if let host {
      let pub = try String(contentsOfFile: path + ".pub", encoding: .utf8)
      try lab.exec(
        host, "echo '\(pub.trimmingCharacters(in: .newlines))' >> /home/lab/.ssh/authorized_keys")
    }
    return path
  }
}

/// A real ssh-agent on a private socket, in the foreground of a child process.
struct TestAgent {
  let socket: String
  let process: Process

  init() throws {
    socket = TemporaryDirectory.shared.file("agent.sock")
    process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/ssh-agent")
    process.arguments = ["-D", "-a", socket]
    process.standardInput = FileHandle.nullDevice
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    try process.run()
    for _ in 0..<50 where !FileManager.default.fileExists(atPath: socket) {
      Thread.sleep(forTimeInterval: 0.05)
    }
    try #require(FileManager.default.fileExists(atPath: socket), "ssh-agent did not start")
  }

  func add(_ key: String) throws {
    try local(["ssh-add", "-q", key], environment: ["SSH_AUTH_SOCK": socket])
  }

  /// Ends the agent (SIGKILL: children of the test runner inherit a mask that blocks SIGTERM).
  func stop() {
    kill(process.processIdentifier, SIGKILL)
    process.waitUntilExit()
  }
}
