import Foundation
import Testing

@testable import SSHTransport

/// known_hosts parsing and matching, checked against files OpenSSH's own tools write.
struct KnownHostsTests {
  let ed25519 = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDmq6Zy1ByWEtS3qY9AmS7Wo3tJU6uuwjxUGTxQM7nOj"

  @Test func plainEntriesMatchByHostAndPort() throws {
    let text = """
      # comment
      10.0.0.1,nas.example \(ed25519) root@nas
      [10.0.0.1]:2222 \(ed25519)
      this line is garbage and is skipped
      fe80::1 \(ed25519)
      """
    let hosts = KnownHosts(entries: KnownHosts.parse(text, source: "kh"))
    #expect(hosts.entries.count == 3)
    #expect(hosts.entries(forHost: "10.0.0.1", port: 22).map(\.source) == ["kh:2"])
    #expect(hosts.entries(forHost: "NAS.example", port: 22).map(\.source) == ["kh:2"])
    #expect(hosts.entries(forHost: "10.0.0.1", port: 2222).map(\.source) == ["kh:3"])
    #expect(hosts.entries(forHost: "10.0.0.2", port: 22).isEmpty)
    #expect(hosts.entries(forHost: "fe80::1", port: 22).map(\.source) == ["kh:5"])
  }

  @Test func wildcardsAndNegationFollowOpenSSH() {
    let text = "*.lab,!bad.lab \(ed25519)\nnode-?? \(ed25519)"
    let hosts = KnownHosts(entries: KnownHosts.parse(text, source: "kh"))
    #expect(hosts.entries(forHost: "good.lab", port: 22).count == 1)
    #expect(hosts.entries(forHost: "bad.lab", port: 22).isEmpty)
    #expect(hosts.entries(forHost: "node-01", port: 22).count == 1)
    #expect(hosts.entries(forHost: "node-001", port: 22).isEmpty)
  }

  @Test func hashedEntriesWrittenBySSHKeygenMatch() throws {
    let path = TemporaryDirectory.shared.file("hashed")
    try "10.1.2.3 \(ed25519)\n[10.1.2.3]:2200 \(ed25519)\n".write(
      toFile: path, atomically: true, encoding: .utf8)
    try local(["ssh-keygen", "-q", "-H", "-f", path])
    let text = try String(contentsOfFile: path, encoding: .utf8)
    #expect(text.hasPrefix("|1|"))
    let hosts = KnownHosts(files: [path])
    #expect(hosts.entries(forHost: "10.1.2.3", port: 22).count == 1)
    #expect(hosts.entries(forHost: "10.1.2.3", port: 2200).count == 1)
    #expect(hosts.entries(forHost: "10.1.2.4", port: 22).isEmpty)
  }

  @Test func markersAreKeptApartAndUnknownMarkersSkipped() {
    let text =
      "@revoked 10.0.0.1 \(ed25519)\n@cert-authority *.lab \(ed25519)\n@other 10.0.0.1 \(ed25519)"
    let entries = KnownHosts.parse(text, source: "kh")
    #expect(entries.map(\.marker) == [.revoked, .certAuthority])
  }

  @Test func anOverlongOrBrokenFileDoesNotStopTheReader() {
    let long = String(repeating: "x", count: 10_000)
    let text =
      "\(long) \(ed25519)\nssh-ed25519 notbase64\n10.0.0.9 ssh-rsa AAAAC3NzaC1lZDI1NTE5AAAAIDmq6Zy1\n10.0.0.9 \(ed25519)"
    let hosts = KnownHosts(entries: KnownHosts.parse(text, source: "kh"))
    #expect(hosts.entries(forHost: "10.0.0.9", port: 22).map(\.source) == ["kh:4"])
  }

  @Test func recordedLinesUseBracketsForOtherPorts() throws {
    let key = try #require(SSHHostKey(openSSH: ed25519))
    #expect(KnownHosts.line(host: "10.0.0.1", port: 22, key: key) == "10.0.0.1 " + ed25519)
    #expect(KnownHosts.line(host: "fd00::1", port: 2222, key: key) == "[fd00::1]:2222 " + ed25519)
  }

  @Test func aFileIsParsedOnceUntilItChanges() throws {
    let path = TemporaryDirectory.shared.file("cached")
    let other = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOcu9uHSXya84Yhwp4y/540xGQ0AqnluEezmPY7FAE2t"
    try "10.0.0.1 \(ed25519)\n".write(toFile: path, atomically: false, encoding: .utf8)
    #expect(KnownHosts(files: [path]).entries(forHost: "10.0.0.1", port: 22).count == 1)
    // Appended, as accepting a new key does: the next connection sees the new line.
    let handle = try #require(FileHandle(forWritingAtPath: path))
    try handle.seekToEnd()
    try handle.write(contentsOf: Data("10.0.0.2 \(ed25519)\n".utf8))
    try handle.close()
    #expect(KnownHosts(files: [path]).entries(forHost: "10.0.0.2", port: 22).count == 1)
    // Replaced by a file of the same size (a new inode): read again, not taken from the cache.
    try "10.0.0.3 \(other)\n10.0.0.4 \(ed25519)\n".write(
      toFile: path, atomically: true, encoding: .utf8)
    let replaced = KnownHosts(files: [path])
    #expect(replaced.entries(forHost: "10.0.0.1", port: 22).isEmpty)
    #expect(replaced.entries(forHost: "10.0.0.3", port: 22).map(\.key.openSSH) == [other])
    // Gone: no entries.
    try FileManager.default.removeItem(atPath: path)
    #expect(KnownHosts(files: [path]).entries.isEmpty)
  }

}
