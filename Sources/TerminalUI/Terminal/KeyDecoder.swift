/// Turns the bytes a terminal sends in raw mode into ``Key``s.
///
/// Bytes may arrive split anywhere. A lone ESC stays pending until more bytes come or
/// ``flush()`` is called after a short wait, which is how Escape is told from `ESC [ A`.
public struct KeyDecoder: Sendable {
  private var pending: [UInt8] = []

  /// Creates a decoder with nothing pending.
  public init() {}

  /// Whether bytes are waiting for the rest of a sequence.
  public var hasPending: Bool { !pending.isEmpty }

  /// Decodes `bytes` (after anything pending) into keys; an incomplete sequence stays pending.
  public mutating func feed(_ bytes: [UInt8]) -> [Key] {
    pending += bytes
    var keys: [Key] = []
    var index = 0
    while index < pending.count {
      guard let (key, length) = Self.decode(pending, at: index) else { break }
      if let key { keys.append(key) }
      index += length
    }
    pending.removeFirst(index)
    return keys
  }

  /// Gives up waiting: a pending ESC becomes ``Key/escape``, a cut-off sequence is dropped.
  public mutating func flush() -> [Key] {
    defer { pending = [] }
    guard let first = pending.first else { return [] }
    if first == 0x1B {
      return [.escape] + KeyDecoder().feedingAll(Array(pending.dropFirst()))
    }
    return []
  }

  private func feedingAll(_ bytes: [UInt8]) -> [Key] {
    var decoder = self
    return decoder.feed(bytes) + (decoder.hasPending ? decoder.flush() : [])
  }

  /// The key at `index` and how many bytes it used (`nil` key: bytes to skip); `nil` if incomplete.
  private static func decode(_ bytes: [UInt8], at index: Int) -> (Key?, Int)? {
    let byte = bytes[index]
    switch byte {
    case 0x1B: return decodeEscape(bytes, at: index)
    case 0x03: return (.ctrlC, 1)
    case 0x09: return (.tab, 1)
    case 0x0D, 0x0A: return (.enter, 1)
    case 0x7F, 0x08: return (.backspace, 1)
    case 0x01...0x1A:
      return (.ctrl(Character(Unicode.Scalar(byte + 0x60))), 1)
    case 0x00, 0x1C...0x1F: return (nil, 1)
    case 0x20...0x7E: return (.char(Character(Unicode.Scalar(byte))), 1)
    default: return decodeUTF8(bytes, at: index)
    }
  }

  private static func decodeUTF8(_ bytes: [UInt8], at index: Int) -> (Key?, Int)? {
    let lead = bytes[index]
    let length: Int
    switch lead {
    case 0xC2...0xDF: length = 2
    case 0xE0...0xEF: length = 3
    case 0xF0...0xF4: length = 4
    default: return (nil, 1)
    }
    guard index + length <= bytes.count else {
      // Wait for the rest unless a byte already present cannot continue the sequence.
      let present = bytes[(index + 1)...]
      return present.allSatisfy({ $0 & 0xC0 == 0x80 }) ? nil : (nil, 1)
    }
    let slice = Array(bytes[index..<(index + length)])
    guard let text = String(validating: slice, as: UTF8.self), let character = text.first
    else { return (nil, 1) }
    return (.char(character), length)
  }

  private static func decodeEscape(_ bytes: [UInt8], at index: Int) -> (Key?, Int)? {
    guard index + 1 < bytes.count else { return nil }
    let introducer = bytes[index + 1]
    switch introducer {
    case UInt8(ascii: "["):
      // CSI: parameter and intermediate bytes, then one final byte.
      var end = index + 2
      while end < bytes.count, (0x20...0x3F).contains(bytes[end]) { end += 1 }
      guard end < bytes.count else { return nil }
      let parameters = String(decoding: bytes[(index + 2)..<end], as: UTF8.self)
      return (csiKey(final: bytes[end], parameters: parameters), end - index + 1)
    case UInt8(ascii: "O"):
      guard index + 2 < bytes.count else { return nil }
      return (csiKey(final: bytes[index + 2], parameters: ""), 3)
    default:
      // ESC followed by something else: Escape, then that key on its own.
      return (.escape, 1)
    }
  }

  private static func csiKey(final: UInt8, parameters: String) -> Key? {
    switch final {
    case UInt8(ascii: "A"): return .up
    case UInt8(ascii: "B"): return .down
    case UInt8(ascii: "C"): return .right
    case UInt8(ascii: "D"): return .left
    case UInt8(ascii: "H"): return .home
    case UInt8(ascii: "F"): return .end
    case UInt8(ascii: "Z"): return .backTab
    case UInt8(ascii: "~"):
      switch parameters.split(separator: ";").first {
      case "1", "7": return .home
      case "4", "8": return .end
      case "3": return .delete
      case "5": return .pageUp
      case "6": return .pageDown
      default: return nil
      }
    default: return nil
    }
  }
}
