import Basics
import Crypto
import Foundation

/// An ed25519 SSH key pair in OpenSSH's formats, made on the workstation (no `ssh-keygen`).
public struct DeployKeyPair: Sendable {
  /// The private key, `-----BEGIN OPENSSH PRIVATE KEY-----` (unencrypted; stored 0600).
  public let privateKey: String
  /// The public key line, `ssh-ed25519 AAAA… comment`.
  public let publicKey: String

  /// A new random key pair.
  public static func generate(comment: String) -> DeployKeyPair {
    let key = Curve25519.Signing.PrivateKey()
    return make(
      seed: key.rawRepresentation, public: key.publicKey.rawRepresentation, comment: comment)
  }

  /// The key pair stored at `path` (private) and `path.pub`, created first if absent.
  public static func loadOrCreate(at path: String, comment: String) throws -> (
    DeployKeyPair, created: Bool
  ) {
    let fm = FileManager.default
    if let privateKey = try? String(contentsOfFile: path, encoding: .utf8),
      let publicKey = try? String(contentsOfFile: path + ".pub", encoding: .utf8)
    {
      return (
        DeployKeyPair(
          privateKey: privateKey,
          publicKey: publicKey.trimmingCharacters(in: .whitespacesAndNewlines)), false
      )
    }
    let pair = generate(comment: comment)
    try fm.createDirectory(
      atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true,
      attributes: [.posixPermissions: 0o700])
    guard
      fm.createFile(
        atPath: path, contents: Data(pair.privateKey.utf8), attributes: [.posixPermissions: 0o600]),
      fm.createFile(
        atPath: path + ".pub", contents: Data((pair.publicKey + "\n").utf8),
        attributes: [.posixPermissions: 0o644])
    else { throw DeployKeyError(message: "cannot write the deploy key to \(path)") }
    return (pair, true)
  }

  static func make(seed: Data, public pub: Data, comment: String) -> DeployKeyPair {
    let type = "ssh-ed25519"
    var publicBlob = Data()
    publicBlob.appendSSHString(Data(type.utf8))
    publicBlob.appendSSHString(pub)

    var secret = Data()
    let check = UInt32.random(in: 0...UInt32.max)
    secret.appendUInt32(check)
    secret.appendUInt32(check)
    secret.appendSSHString(Data(type.utf8))
    secret.appendSSHString(pub)
    secret.appendSSHString(seed + pub)
    secret.appendSSHString(Data(comment.utf8))
    var pad: UInt8 = 1
    while secret.count % 8 != 0 {
      secret.append(pad)
      pad += 1
    }

    var blob = Data("openssh-key-v1".utf8)
    blob.append(0)
    blob.appendSSHString(Data("none".utf8))
    blob.appendSSHString(Data("none".utf8))
    blob.appendSSHString(Data())
    blob.appendUInt32(1)
    blob.appendSSHString(publicBlob)
    blob.appendSSHString(secret)

    let body = blob.base64EncodedString()
    var lines: [String] = []
    var index = body.startIndex
    while index < body.endIndex {
      let end = body.index(index, offsetBy: 70, limitedBy: body.endIndex) ?? body.endIndex
      lines.append(String(body[index..<end]))
      index = end
    }
    let privateKey =
      "-----BEGIN OPENSSH PRIVATE KEY-----\n" + lines.joined(separator: "\n")
      + "\n-----END OPENSSH PRIVATE KEY-----\n"
    return DeployKeyPair(
      privateKey: privateKey, publicKey: "\(type) \(publicBlob.base64EncodedString()) \(comment)")
  }
}

extension Data {
  fileprivate mutating func appendUInt32(_ value: UInt32) {
    append(contentsOf: [
      UInt8(value >> 24), UInt8(value >> 16 & 0xff), UInt8(value >> 8 & 0xff), UInt8(value & 0xff),
    ])
  }

  fileprivate mutating func appendSSHString(_ bytes: Data) {
    appendUInt32(UInt32(bytes.count))
    append(bytes)
  }
}

/// The deploy key could not be stored.
public struct DeployKeyError: OperatorError {
  public let message: String
  public var remedy: String? { "check the permissions of cluster-mgr's state directory" }
}
