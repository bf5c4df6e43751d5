import Crypto
import Foundation
import _CryptoExtras

/// Ansible Vault's `AES256` cipher (`VaultAES256`): PBKDF2-HMAC-SHA256 with 10000 rounds turns
/// the password and a 32-byte salt into an AES-256 key, an HMAC-SHA256 key and a 16-byte
/// counter; the plaintext, PKCS#7-padded, is encrypted with AES-CTR and authenticated with the
/// HMAC over the ciphertext.
///
/// The vaulttext (what follows the header line) is the hex of `hex(salt)\nhex(hmac)\nhex(ciphertext)`.
enum VaultCipher {
  /// What can go wrong opening a vaulttext.
  enum Failure: Error, Equatable {
    /// The text is not hex, or not three parts.
    case format(String)
    /// The HMAC does not match: a wrong password or a changed ciphertext.
    case authentication
    /// The HMAC matched but the padding is broken (cannot happen with Ansible's own output).
    case padding
  }

  static let rounds = 10_000

  /// The plaintext bytes of `vaulttext` (the hex lines joined) under `password`.
  static func decrypt(vaulttext: String, password: [UInt8]) throws(Failure) -> [UInt8] {
    guard let outer = hexBytes(vaulttext) else {
      throw .format("the vaulttext is not hexadecimal")
    }
    let parts = outer.split(
      separator: UInt8(ascii: "\n"), maxSplits: 2, omittingEmptySubsequences: false)
    guard parts.count == 3, let salt = hexBytes(parts[0]), let hmac = hexBytes(parts[1]),
      let ciphertext = hexBytes(parts[2])
    else {
      throw .format("the vaulttext is not salt, HMAC and ciphertext")
    }
    let keys = deriveKeys(password: password, salt: salt)
    let expected = HMAC<SHA256>.authenticationCode(for: ciphertext, using: keys.hmac)
    guard expected == Data(hmac) else { throw .authentication }
    let padded = ctr(ciphertext, keys: keys)
    guard let count = padded.last, (1...16).contains(count), Int(count) <= padded.count,
      padded.suffix(Int(count)).allSatisfy({ $0 == count })
    else { throw .padding }
    return Array(padded.dropLast(Int(count)))
  }

  /// The vaulttext of `plaintext` under `password` with a fresh random salt.
  static func encrypt(_ plaintext: [UInt8], password: [UInt8], salt: [UInt8]? = nil) -> String {
    var generator = SystemRandomNumberGenerator()
    let salt = salt ?? (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
    let keys = deriveKeys(password: password, salt: salt)
    let padding = 16 - plaintext.count % 16
    let ciphertext = ctr(plaintext + Array(repeating: UInt8(padding), count: padding), keys: keys)
    let hmac = Array(HMAC<SHA256>.authenticationCode(for: ciphertext, using: keys.hmac))
    let inner = hex(salt) + "\n" + hex(hmac) + "\n" + hex(ciphertext)
    return hex(Array(inner.utf8))
  }

  private struct Keys {
    var aes: SymmetricKey
    var hmac: SymmetricKey
    var counter: [UInt8]
  }

  private static func deriveKeys(password: [UInt8], salt: [UInt8]) -> Keys {
    // PBKDF2 itself cannot fail for these sizes; swift-crypto only throws for a zero length.
    let derived = try! KDF.Insecure.PBKDF2.deriveKey(
      from: password, salt: salt, using: .sha256, outputByteCount: 80,
      unsafeUncheckedRounds: rounds)
    let bytes = derived.withUnsafeBytes { Array($0) }
    return Keys(
      aes: SymmetricKey(data: bytes[0..<32]), hmac: SymmetricKey(data: bytes[32..<64]),
      counter: Array(bytes[64..<80]))
  }

  /// AES-256 in counter mode with the full 16-byte initial counter (as `cryptography`'s CTR).
  private static func ctr(_ data: [UInt8], keys: Keys) -> [UInt8] {
    let nonce = try! AES._CTR.Nonce(nonceBytes: keys.counter)
    return Array(try! AES._CTR.encrypt(data, using: keys.aes, nonce: nonce))
  }

  static func hex(_ bytes: some Sequence<UInt8>) -> String {
    let digits = Array("0123456789abcdef".utf8)
    var text: [UInt8] = []
    for byte in bytes {
      text.append(digits[Int(byte >> 4)])
      text.append(digits[Int(byte & 0x0F)])
    }
    return String(decoding: text, as: UTF8.self)
  }

  /// Python's `unhexlify`: an even number of hex digits, either case.
  static func hexBytes(_ text: some StringProtocol) -> [UInt8]? {
    hexBytes(Array(text.utf8))
  }

  static func hexBytes(_ digits: some Collection<UInt8>) -> [UInt8]? {
    guard digits.count % 2 == 0 else { return nil }
    var bytes: [UInt8] = []
    bytes.reserveCapacity(digits.count / 2)
    var high: UInt8?
    for digit in digits {
      let value: UInt8
      switch digit {
      case UInt8(ascii: "0")...UInt8(ascii: "9"): value = digit - UInt8(ascii: "0")
      case UInt8(ascii: "a")...UInt8(ascii: "f"): value = digit - UInt8(ascii: "a") + 10
      case UInt8(ascii: "A")...UInt8(ascii: "F"): value = digit - UInt8(ascii: "A") + 10
      default: return nil
      }
      if let first = high {
        bytes.append(first << 4 | value)
        high = nil
      } else {
        high = value
      }
    }
    return bytes
  }
}
