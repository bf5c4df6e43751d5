import Foundation
import Testing

@testable import SSHTransport

/// Host keys, fingerprints and the strict policy.
struct HostKeyTests {
  @Test(arguments: ["ed25519", "ecdsa", "rsa"])
  func fingerprintsEqualSSHKeygens(type: String) throws {
    let path = TemporaryDirectory.shared.file("host_\(type)")
    try local(["ssh-keygen", "-q", "-t", type, "-N", "", "-f", path])
    let key = try #require(
      SSHHostKey(openSSH: try String(contentsOfFile: path + ".pub", encoding: .utf8)))
    let listed = try local(["ssh-keygen", "-l", "-E", "sha256", "-f", path + ".pub"])
    #expect(listed.split(separator: " ")[1] == key.fingerprint)
    #expect(key.openSSH.hasPrefix(key.type + " AAAA"))
  }

  @Test func malformedKeysAreRejected() {
    #expect(SSHHostKey(openSSH: "ssh-ed25519") == nil)
    #expect(SSHHostKey(openSSH: "ssh-ed25519 !!!") == nil)
    // The type in front must be the type inside the blob.
    #expect(
      SSHHostKey(
        openSSH: "ssh-rsa AAAAC3NzaC1lZDI1NTE5AAAAIDmq6Zy1ByWEtS3qY9AmS7Wo3tJU6uuwjxUGTxQM7nOj")
        == nil)
  }

  @Test func verdictsFollowOpenSSHStrictChecking() throws {
    let known = try key("ed25519")
    let other = try key("ed25519")
    let entries = KnownHosts.parse(
      "10.0.0.1 \(known.openSSH)\n@revoked 10.0.0.2 \(other.openSSH)", source: "kh")
    let policy = HostKeyPolicy(
      knownHosts: KnownHosts(entries: entries), ownFile: "/dev/null", acceptNew: false)
    let target = SSHTarget(address: "10.0.0.1", user: "u")
    let expectation = policy.expectation(for: target)
    #expect(policy.verdict(offered: known, expectation: expectation) == .trusted(source: "kh:1"))
    #expect(policy.verdict(offered: other, expectation: expectation) == .mismatch)
    let unknown = policy.expectation(for: SSHTarget(address: "10.0.0.3", user: "u"))
    #expect(policy.verdict(offered: known, expectation: unknown) == .unknown)
    let revoked = policy.expectation(for: SSHTarget(address: "10.0.0.2", user: "u"))
    #expect(policy.verdict(offered: other, expectation: revoked) == .revoked)
    let refusal = policy.refusal(
      .mismatch, offered: other, expectation: expectation, target: target)
    #expect(refusal?.kind == .hostKeyMismatch)
    #expect(refusal?.reason.contains(known.fingerprint) == true)
    #expect(refusal?.reason.contains(other.fingerprint) == true)
    let accepting = HostKeyPolicy(
      knownHosts: KnownHosts(entries: entries), ownFile: "/dev/null", acceptNew: true)
    #expect(
      accepting.refusal(.unknown, offered: known, expectation: unknown, target: target) == nil)
    #expect(
      accepting.refusal(.mismatch, offered: other, expectation: expectation, target: target) != nil)
  }

  @Test func trustedTailscaleKeysCountAsKnown() throws {
    let known = try key("ecdsa")
    let policy = HostKeyPolicy(
      knownHosts: KnownHosts(entries: []), ownFile: "/dev/null", acceptNew: false)
    let target = SSHTarget(
      address: "100.64.0.5", user: "u", trustedHostKeys: [known.openSSH, "garbage"])
    let expectation = policy.expectation(for: target)
    #expect(expectation.keys.map(\.source) == ["Tailscale sshHostKeys"])
    #expect(
      policy.verdict(offered: known, expectation: expectation)
        == .trusted(source: "Tailscale sshHostKeys"))
  }

  @Test func onlyKnownKeyTypesAreNegotiated() throws {
    let supported = [
      "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "ssh-ed25519", "ssh-rsa",
      "ssh-dss",
    ]
    let ed = try key("ed25519")
    let rsa = try key("rsa")
    func expectation(_ keys: [SSHHostKey]) -> HostKeyPolicy.Expectation {
      HostKeyPolicy.Expectation(keys: keys.map { .init(key: $0, source: "t") }, revoked: [])
    }
    #expect(
      HostKeyPolicy.algorithmPreference(for: expectation([ed]), supported: supported) == [
        "ssh-ed25519"
      ])
    #expect(
      HostKeyPolicy.algorithmPreference(for: expectation([rsa, ed]), supported: supported) == [
        "ssh-ed25519", "ssh-rsa",
      ])
    #expect(
      HostKeyPolicy.algorithmPreference(for: expectation([]), supported: supported)
        == [
          "ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521",
          "ssh-rsa",
        ])
  }

  @Test func acceptedKeysAreAppendedToTheOwnFile() throws {
    let own = TemporaryDirectory.shared.file("dir/own_known_hosts")
    let policy = HostKeyPolicy(knownHosts: KnownHosts(entries: []), ownFile: own, acceptNew: true)
    let first = try key("ed25519")
    try policy.record(first, for: SSHTarget(address: "10.0.0.1", user: "u"))
    try policy.record(first, for: SSHTarget(address: "10.0.0.2", port: 2022, user: "u"))
    #expect(
      try String(contentsOfFile: own, encoding: .utf8)
        == "10.0.0.1 \(first.openSSH)\n[10.0.0.2]:2022 \(first.openSSH)\n")
    let mode = try FileManager.default.attributesOfItem(atPath: own)[.posixPermissions] as? Int
    #expect(mode == 0o600)
  }

  private func key(_ type: String) throws -> SSHHostKey {
    let path = TemporaryDirectory.shared.file("k_\(type)")
    try local(["ssh-keygen", "-q", "-t", type, "-N", "", "-f", path])
    return try #require(
      SSHHostKey(openSSH: try String(contentsOfFile: path + ".pub", encoding: .utf8)))
  }
}
