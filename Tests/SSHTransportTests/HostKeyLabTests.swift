import ClusterMgrTesting
import Foundation
import SSHTransport
import Testing

extension SSHAuthLabTests {
  @Test func anUnknownHostIsRefusedBeforeAuthenticating() async throws {
    let lab = try LabInstance.required()
    let mark = try SSHDLog(lab, "lab-w1")
    let own = TemporaryDirectory.shared.file("own")
    let error = await expectSSHError {
      _ = try await lab.connect(
        "lab-w1", options: lab.sshOptions(knownHosts: [], ownKnownHosts: own))
    }
    let ed25519 = try hostKey(lab, "lab-w1", "ed25519")
    #expect(error?.kind == .hostKeyUnknown)
    #expect(error?.step == "host key")
    #expect(error?.reason.contains("offered ssh-ed25519 \(ed25519.fingerprint)") == true)
    #expect(error?.remedy?.contains("--accept-new") == true)
    #expect(!FileManager.default.fileExists(atPath: own))
    let log = try mark.newLines(waitingFor: "preauth")
    #expect(!log.contains("authenticating user") && !log.contains("Accepted"), "\(log)")
  }

  @Test func acceptNewRecordsTheKeyAndASwappedKeyIsThenRefused() async throws {
    let lab = try LabInstance.required()
    let own = TemporaryDirectory.shared.file("own")
    var options = lab.sshOptions(knownHosts: [], ownKnownHosts: own)
    options.acceptNewHostKeys = true
    let original = try hostKey(lab, "lab-w1", "ed25519")
    _ = try await lab.connect("lab-w1", options: options)
    let address = lab.host("lab-w1").address
    #expect(try String(contentsOfFile: own, encoding: .utf8) == "\(address) \(original.openSSH)\n")

    // Strict again: the recorded key is enough.
    options.acceptNewHostKeys = false
    let again = try await lab.connect("lab-w1", options: options)
    #expect(await again.hostKey == original)

    // The host gets new keys: refused, even with accept-new, showing both fingerprints.
    try lab.exec(
      "lab-w1",
      "mkdir -p /root/hostkeys && cp -a /etc/ssh/ssh_host_* /root/hostkeys/ && "
        + "rm /etc/ssh/ssh_host_* && ssh-keygen -A -q && systemctl restart ssh")
    defer {
      _ = try? lab.exec("lab-w1", "cp -a /root/hostkeys/* /etc/ssh/ && systemctl restart ssh")
    }
    let swapped = try hostKey(lab, "lab-w1", "ed25519")
    let mark = try SSHDLog(lab, "lab-w1")
    for acceptNew in [false, true] {
      options.acceptNewHostKeys = acceptNew
      let error = await expectSSHError { _ = try await lab.connect("lab-w1", options: options) }
      #expect(error?.kind == .hostKeyMismatch)
      #expect(
        error?.reason.contains("expected ssh-ed25519 \(original.fingerprint) (\(own):1)") == true)
      #expect(error?.reason.contains("offered ssh-ed25519 \(swapped.fingerprint)") == true)
      #expect(error?.reason.contains("nothing was sent to the host") == true)
    }
    #expect(try String(contentsOfFile: own, encoding: .utf8) == "\(address) \(original.openSSH)\n")
    let log = try mark.newLines(waitingFor: "preauth")
    #expect(!log.contains("authenticating user") && !log.contains("Accepted"), "\(log)")
  }

  @Test func hashedKnownHostsEntriesAreRecognised() async throws {
    let lab = try LabInstance.required()
    let hashed = TemporaryDirectory.shared.file("hashed")
    try FileManager.default.copyItem(atPath: lab.knownHostsPath, toPath: hashed)
    try local(["ssh-keygen", "-q", "-H", "-f", hashed])
    #expect(
      try !String(contentsOfFile: hashed, encoding: .utf8).contains(lab.host("lab-w1").address))
    let connection = try await lab.connect("lab-w1", options: lab.sshOptions(knownHosts: [hashed]))
    #expect(await connection.hostKey?.type == "ssh-ed25519")
  }

  @Test(arguments: ["ssh-ed25519", "ecdsa-sha2-nistp256"])
  func theKnownKeyTypeIsNegotiated(type: String) async throws {
    let lab = try LabInstance.required()
    let only = TemporaryDirectory.shared.file("only")
    let lines = try String(contentsOfFile: lab.knownHostsPath, encoding: .utf8)
      .split(separator: "\n").filter { $0.contains(" \(type) ") }
    try (lines.joined(separator: "\n") + "\n").write(
      toFile: only, atomically: true, encoding: .utf8)
    let connection = try await lab.connect("lab-w1", options: lab.sshOptions(knownHosts: [only]))
    #expect(await connection.hostKey?.type == type)
  }

  @Test func tailscaleHostKeysAreTrustedWithoutKnownHosts() async throws {
    let lab = try LabInstance.required()
    let keys = try ["ed25519", "ecdsa", "rsa"].map { try hostKey(lab, "lab-w1", $0).openSSH }
    var target = lab.target("lab-w1")
    target.trustedHostKeys = keys
    let options = lab.sshOptions(knownHosts: [])
    let connection = try await SSHConnection.connect(to: target, options: options)
    #expect(await connection.hostKey?.openSSH == keys[0])

    target.trustedHostKeys = try ["ed25519", "ecdsa"].map {
      try hostKey(lab, "lab-cp1", $0).openSSH
    }
    let error = await expectSSHError {
      _ = try await SSHConnection.connect(to: target, options: options)
    }
    #expect(error?.kind == .hostKeyMismatch)
    #expect(error?.reason.contains("(Tailscale sshHostKeys)") == true)
  }

  @Test func theTargetPortIsUsedAndKnownHostsEntriesArePortSpecific() async throws {
    let lab = try LabInstance.required()
    try lab.exec(
      "lab-cp1",
      "printf 'Port 22\\nPort 2222\\n' > /etc/ssh/sshd_config.d/ports.conf && systemctl restart ssh"
    )
    defer {
      _ = try? lab.exec("lab-cp1", "rm /etc/ssh/sshd_config.d/ports.conf; systemctl restart ssh")
    }
    let address = lab.host("lab-cp1").address
    let bracketed = TemporaryDirectory.shared.file("port")
    let text = try String(contentsOfFile: lab.knownHostsPath, encoding: .utf8)
      .split(separator: "\n").filter { $0.hasPrefix(address + " ") }
      .map { "[\(address)]:2222" + $0.dropFirst(address.count) }.joined(separator: "\n")
    try (text + "\n").write(toFile: bracketed, atomically: true, encoding: .utf8)
    var target = lab.target("lab-cp1")
    target.port = 2222
    let connection = try await SSHConnection.connect(
      to: target, options: lab.sshOptions(knownHosts: [bracketed]))
    #expect(
      try await connection.execute(.script("echo $SSH_CONNECTION")).stdoutText.hasSuffix(" 2222\n"))
    let error = await expectSSHError {
      _ = try await SSHConnection.connect(to: target, options: lab.sshOptions())
    }
    #expect(error?.kind == .hostKeyUnknown)
    #expect(error?.reason.contains("[\(address)]:2222") == true)
  }

  @Test func connectsOverIPv6() async throws {
    let lab = try LabInstance.required()
    let index = lab.gateway.split(separator: ".")[2]
    let prefix = "fd42:c1a5:7e57:\(index)::"
    try local(["sh", "-c", "ip -6 addr replace \(prefix)1/64 dev cml\(index)br nodad"])
    try lab.exec("lab-w1", "ip -6 addr replace \(prefix)10/64 dev tailscale0 nodad")
    let address = lab.host("lab-w1").address
    let v6 = TemporaryDirectory.shared.file("v6")
    let text = try String(contentsOfFile: lab.knownHostsPath, encoding: .utf8)
      .split(separator: "\n").filter { $0.hasPrefix(address + " ") }
      .map { "\(prefix)10" + $0.dropFirst(address.count) }.joined(separator: "\n")
    try (text + "\n").write(toFile: v6, atomically: true, encoding: .utf8)
    var target = lab.target("lab-w1")
    target.address = "\(prefix)10"
    let connection = try await SSHConnection.connect(
      to: target, options: lab.sshOptions(knownHosts: [v6]))
    let origin = try await connection.execute(.script("echo $SSH_CONNECTION")).stdoutText
    #expect(origin == "\(prefix)1 " + origin.split(separator: " ")[1] + " \(prefix)10 22\n")
  }

  // MARK: - Helpers

  func hostKey(_ lab: LabInstance, _ host: String, _ type: String) throws -> SSHHostKey {
    let text = try lab.exec(host, "cat /etc/ssh/ssh_host_\(type)_key.pub").stdout
    return try #require(SSHHostKey(openSSH: text))
  }
}

/// sshd's journal on a lab host from a point on.
struct SSHDLog {
  let lab: LabInstance
  let host: String
  let start: Int

  init(_ lab: LabInstance, _ host: String) throws {
    self.lab = lab
    self.host = host
    start =
      Int(
        try lab.exec(host, "journalctl -u ssh -o cat | wc -l").stdout.trimmingCharacters(
          in: .whitespacesAndNewlines)) ?? 0
  }

  /// The lines logged since `init`, once one contains `text` (waits up to 3 s).
  func newLines(waitingFor text: String) throws -> String {
    var lines = ""
    for _ in 0..<30 {
      lines = try lab.exec(host, "journalctl -u ssh -o cat | tail -n +\(start + 1)").stdout
      if lines.contains(text) { break }
      Thread.sleep(forTimeInterval: 0.1)
    }
    return lines
  }
}
