import Crypto
import Foundation

/// SHA-256 of files, read in chunks so memory stays flat for large artifacts.
public enum FileHash {
  /// The lowercase hex SHA-256 of `data`.
  public static func sha256(of data: Data) -> String {
    hex(SHA256.hash(data: data))
  }

  /// `bytes` as lowercase hex (a digest as `sha256sum` prints it).
  public static func hex(_ bytes: some Sequence<UInt8>) -> String {
    let digits = Array("0123456789abcdef".utf8)
    var text: [UInt8] = []
    text.reserveCapacity(bytes.underestimatedCount * 2)
    for byte in bytes {
      text.append(digits[Int(byte >> 4)])
      text.append(digits[Int(byte & 0x0f)])
    }
    return String(decoding: text, as: UTF8.self)
  }

  /// `count` random bytes from the system's secure generator, as lowercase hex (tokens, nonces).
  public static func randomHex(bytes count: Int) -> String {
    var generator = SystemRandomNumberGenerator()
    return hex((0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) })
  }

  /// Shell that sets `variable` to the command that prints the sha256 of its stdin on a host:
  /// `openssl dgst` where it exists, several times faster than coreutils' `sha256sum` (no SHA
  /// extensions) on large files.
  public static func shellCommand(into variable: String) -> String {
    "command -v openssl >/dev/null 2>&1 && \(variable)='openssl dgst -sha256 -r' || \(variable)=sha256sum"
  }

  /// The lowercase hex SHA-256 of the file at `path`.
  public static func sha256(path: String) throws -> String {
    guard let handle = FileHandle(forReadingAtPath: path) else {
      throw CocoaError(.fileReadNoSuchFile, userInfo: [NSFilePathErrorKey: path])
    }
    defer { try? handle.close() }
    var hasher = SHA256()
    while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
      hasher.update(data: chunk)
    }
    return hex(hasher.finalize())
  }
}
