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

  /// The key pair stored at `path`, if there is one. The public key is derived from the private
  /// one (`path.pub` is only a copy for people), so a missing `.pub` never replaces the key.
  public static func load(at path: String) throws -> DeployKeyPair? {
    guard FileManager.default.fileExists(atPath: path) else { return nil }
    guard let privateKey = try? String(contentsOfFile: path, encoding: .utf8),
      let publicKey = publicKeyLine(ofPrivateKey: privateKey)
    else {
      throw DeployKeyError(
        message:
          "\(path) is not an unencrypted OpenSSH ed25519 key cluster-mgr can read; it was left as it is"
      )
    }
    return DeployKeyPair(privateKey: privateKey, publicKey: publicKey)
  }

  /// The key pair stored at `path` (private, 0600 from its first byte, in a 0700 directory) and
  /// `path.pub`, created first if there is none.
  public static func loadOrCreate(at path: String, comment: String) throws -> (
    DeployKeyPair, created: Bool
  ) {
    if let pair = try load(at: path) {
      if !FileManager.default.fileExists(atPath: path + ".pub") {
        try AtomicFile.write(Data((pair.publicKey + "\n").utf8), to: path + ".pub", mode: 0o644)
      }
      return (pair, false)
    }
    let pair = generate(comment: comment)
    try AtomicFile.makeDirectories(AtomicFile.directoryName(path), mode: 0o700)
    try AtomicFile.create(Data(pair.privateKey.utf8), at: path, mode: 0o600)
    try AtomicFile.write(Data((pair.publicKey + "\n").utf8), to: path + ".pub", mode: 0o644)
    return (pair, true)
  }

  /// `ssh-ed25519 AAAA… comment` from an unencrypted OpenSSH private key.
  static func publicKeyLine(ofPrivateKey text: String) -> String? {
    let body = text.split(separator: "\n").filter { !$0.hasPrefix("-----") }.joined()
    guard var blob = Data(base64Encoded: body).map(SSHWireReader.init),
      blob.take(15) == Data("openssh-key-v1\0".utf8),
      blob.string() == Data("none".utf8), blob.string() == Data("none".utf8),
      blob.string() != nil, blob.uint32() == 1,
      let publicBlob = blob.string(), let secret = blob.string()
    else { return nil }
    var publicKey = SSHWireReader(publicBlob)
    var secretPart = SSHWireReader(secret)
    guard publicKey.string() == Data("ssh-ed25519".utf8), publicKey.string()?.count == 32,
      let first = secretPart.uint32(), secretPart.uint32() == first, secretPart.string() != nil,
      secretPart.string() != nil, secretPart.string() != nil, let comment = secretPart.string()
    else { return nil }
    let suffix = comment.isEmpty ? "" : " " + String(decoding: comment, as: UTF8.self)
    return "ssh-ed25519 " + publicBlob.base64EncodedString() + suffix
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

/// Reads SSH wire-format fields (`uint32`, length-prefixed strings) from the front of a blob.
struct SSHWireReader {
  private var data: Data

  init(_ data: Data) { self.data = data }

  mutating func take(_ count: Int) -> Data? {
    guard data.count >= count else { return nil }
    defer { data = data.dropFirst(count) }
    return Data(data.prefix(count))
  }

  mutating func uint32() -> UInt32? {
    take(4).map { $0.reduce(0) { $0 << 8 | UInt32($1) } }
  }

  mutating func string() -> Data? {
    uint32().flatMap { take(Int($0)) }
  }
}

/// The deploy key could not be stored.
public struct DeployKeyError: OperatorError {
  public let message: String
  public var remedy: String? { "check the permissions of cluster-mgr's state directory" }
}
