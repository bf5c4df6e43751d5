import Crypto
import Foundation

/// An SSH public host key: its type and its wire-format blob.
public struct SSHHostKey: Sendable, Hashable, CustomStringConvertible {
  /// The key type named inside the blob, e.g. `ssh-ed25519`, `ecdsa-sha2-nistp256`, `ssh-rsa`.
  public let type: String
  /// The public key in SSH wire format (what known_hosts holds in base64).
  public let blob: Data

  /// Reads a key blob; nil when it does not start with a key type.
  public init?(blob: Data) {
    guard let type = Self.leadingString(of: blob) else { return nil }
    self.type = type
    self.blob = blob
  }

  /// Reads `type base64 [comment]` (a known_hosts key field or a Tailscale `sshHostKeys` item).
  public init?(openSSH text: String) {
    let fields = text.split(whereSeparator: { $0 == " " || $0 == "\t" })
    guard fields.count >= 2, let blob = Data(base64Encoded: String(fields[1])),
      let key = SSHHostKey(blob: blob), key.type == fields[0]
    else { return nil }
    self = key
  }

  /// The fingerprint OpenSSH prints: `SHA256:` and the unpadded base64 of the blob's SHA-256.
  public var fingerprint: String {
    let digest = Data(SHA256.hash(data: blob)).base64EncodedString()
    return "SHA256:" + digest.replacingOccurrences(of: "=", with: "")
  }

  /// `type base64`, as in a known_hosts line.
  public var openSSH: String { type + " " + blob.base64EncodedString() }

  /// `type SHA256:…`.
  public var description: String { type + " " + fingerprint }

  /// The first length-prefixed string of an SSH wire-format blob.
  static func leadingString(of blob: Data) -> String? {
    let bytes = [UInt8](blob.prefix(4))
    guard bytes.count == 4 else { return nil }
    let length = bytes.reduce(0) { $0 << 8 | Int($1) }
    guard length > 0, length < 64, blob.count >= 4 + length else { return nil }
    let name = blob.dropFirst(4).prefix(length)
    guard name.allSatisfy({ $0 > 0x20 && $0 < 0x7f }) else { return nil }
    return String(decoding: name, as: UTF8.self)
  }
}
