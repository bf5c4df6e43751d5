import Foundation

/// What a private key file is, read without its passphrase: its type and whether it is encrypted.
struct KeyFileInfo: Sendable, Equatable {
  enum KeyType: String, Sendable {
    case ed25519, ecdsa, rsa, dsa, unknown
  }

  let type: KeyType
  let encrypted: Bool

  /// Reads the file at `path`; nil when it does not exist or is not a private key.
  init?(path: String) {
    guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
    guard
      let info = Self.parse(
        text, publicKey: try? String(contentsOfFile: path + ".pub", encoding: .utf8))
    else { return nil }
    self = info
  }

  init(type: KeyType, encrypted: Bool) {
    self.type = type
    self.encrypted = encrypted
  }

  /// Parses private key text (OpenSSH or PEM); `publicKey` (the `.pub` next to it) helps PKCS#8.
  static func parse(_ text: String, publicKey: String?) -> KeyFileInfo? {
    if text.contains("-----BEGIN OPENSSH PRIVATE KEY-----") { return openSSH(text) }
    let encrypted = text.contains("Proc-Type: 4,ENCRYPTED")
    if text.contains("-----BEGIN RSA PRIVATE KEY-----") {
      return KeyFileInfo(type: .rsa, encrypted: encrypted)
    }
    if text.contains("-----BEGIN EC PRIVATE KEY-----") {
      return KeyFileInfo(type: .ecdsa, encrypted: encrypted)
    }
    if text.contains("-----BEGIN DSA PRIVATE KEY-----") {
      return KeyFileInfo(type: .dsa, encrypted: encrypted)
    }
    let pkcs8Encrypted = text.contains("-----BEGIN ENCRYPTED PRIVATE KEY-----")
    if pkcs8Encrypted || text.contains("-----BEGIN PRIVATE KEY-----") {
      let type = publicKey.flatMap { keyType(named: String($0.prefix(while: { $0 != " " }))) }
      return KeyFileInfo(type: type ?? .unknown, encrypted: pkcs8Encrypted)
    }
    return nil
  }

  /// The OpenSSH format keeps the cipher name and the public key in clear text.
  private static func openSSH(_ text: String) -> KeyFileInfo? {
    let body = text.split(separator: "\n")
      .filter { !$0.hasPrefix("-----") }
      .joined()
      .trimmingCharacters(in: .whitespacesAndNewlines)
    guard let data = Data(base64Encoded: body) else { return nil }
    var reader = WireReader(bytes: [UInt8](data))
    let magic = Array("openssh-key-v1".utf8) + [0]
    guard reader.take(magic.count) == magic,
      let cipher = reader.string(), reader.string() != nil, reader.string() != nil,
      let count = reader.uint32(), count >= 1, let publicBlob = reader.bytes(),
      let key = SSHHostKey(blob: Data(publicBlob))
    else { return nil }
    return KeyFileInfo(
      type: keyType(named: key.type) ?? .unknown,
      encrypted: String(decoding: cipher, as: UTF8.self) != "none")
  }

  static func keyType(named name: String) -> KeyType? {
    switch name {
    case "ssh-ed25519": .ed25519
    case "ssh-rsa": .rsa
    case "ssh-dss": .dsa
    case _ where name.hasPrefix("ecdsa-sha2-"): .ecdsa
    default: nil
    }
  }
}

/// Reads SSH wire-format fields (big-endian lengths).
struct WireReader {
  let data: [UInt8]
  var offset = 0

  init(bytes: [UInt8]) { data = bytes }

  mutating func take(_ count: Int) -> [UInt8]? {
    guard count >= 0, offset + count <= data.count else { return nil }
    defer { offset += count }
    return Array(data[offset..<offset + count])
  }

  mutating func uint32() -> UInt32? {
    take(4).map { $0.reduce(0) { $0 << 8 | UInt32($1) } }
  }

  mutating func bytes() -> [UInt8]? {
    guard let length = uint32() else { return nil }
    return take(Int(length))
  }

  mutating func string() -> [UInt8]? { bytes() }
}
