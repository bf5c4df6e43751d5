import Foundation
import Testing

@testable import SSHTransport

/// Key files are recognised without their passphrase.
struct KeyFileInfoTests {
  @Test(arguments: [
    ("ed25519", "", KeyFileInfo(type: .ed25519, encrypted: false)),
    ("ed25519", "secret", KeyFileInfo(type: .ed25519, encrypted: true)),
    ("ecdsa", "", KeyFileInfo(type: .ecdsa, encrypted: false)),
    ("rsa", "", KeyFileInfo(type: .rsa, encrypted: false)),
    ("rsa", "secret", KeyFileInfo(type: .rsa, encrypted: true)),
  ])
  func openSSHFormatKeys(type: String, passphrase: String, expected: KeyFileInfo) throws {
    let path = TemporaryDirectory.shared.file("id_\(type)")
    try local(["ssh-keygen", "-q", "-t", type, "-N", passphrase, "-f", path])
    #expect(KeyFileInfo(path: path) == expected)
  }

  @Test(arguments: [("rsa", KeyFileInfo.KeyType.rsa), ("ecdsa", .ecdsa)])
  func pemFormatKeys(type: String, expected: KeyFileInfo.KeyType) throws {
    let path = TemporaryDirectory.shared.file("pem_\(type)")
    try local(["ssh-keygen", "-q", "-t", type, "-m", "PEM", "-N", "pword", "-f", path])
    #expect(KeyFileInfo(path: path) == KeyFileInfo(type: expected, encrypted: true))
  }

  @Test func pkcs8KeysTakeTheirTypeFromThePublicKey() throws {
    let path = TemporaryDirectory.shared.file("pkcs8")
    try local(["ssh-keygen", "-q", "-t", "ecdsa", "-m", "PKCS8", "-N", "", "-f", path])
    #expect(KeyFileInfo(path: path) == KeyFileInfo(type: .ecdsa, encrypted: false))
  }

  @Test func otherFilesAreNotKeys() throws {
    #expect(KeyFileInfo(path: "/nonexistent/key") == nil)
    let path = TemporaryDirectory.shared.file("text")
    try "hello\n".write(toFile: path, atomically: true, encoding: .utf8)
    #expect(KeyFileInfo(path: path) == nil)
  }
}
