import Foundation

/// Reads files that must be UTF-8 text, naming the first bad byte when one is not.
enum UTF8Text {
  /// The text of `url`; throws when it cannot be read or is not valid UTF-8.
  static func read(_ url: URL, shownAs name: String) throws -> String {
    let bytes: [UInt8]
    do { bytes = Array(try Data(contentsOf: url)) } catch {
      throw EmbedError(
        file: name, problem: "cannot be read: \(error.localizedDescription)",
        remedy: "make it a readable regular file, or remove it from roles/")
    }
    if let offset = firstInvalidOffset(bytes) {
      throw EmbedError(
        file: name,
        problem:
          "is not UTF-8 text (byte 0x\(String(bytes[offset], radix: 16)) at offset \(offset))",
        remedy:
          "roles/ holds the text files the roles render and ship: convert it to UTF-8, or keep it out of roles/"
      )
    }
    return String(decoding: bytes, as: UTF8.self)
  }

  /// The offset of the first byte that does not start a valid UTF-8 sequence, if any.
  static func firstInvalidOffset(_ bytes: [UInt8]) -> Int? {
    var parser = Unicode.UTF8.ForwardParser()
    var iterator = bytes.makeIterator()
    var offset = 0
    while true {
      switch parser.parseScalar(from: &iterator) {
      case .valid(let encoded): offset += encoded.count
      case .emptyInput: return nil
      case .error: return offset
      }
    }
  }
}
