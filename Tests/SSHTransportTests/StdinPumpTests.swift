import Foundation
import Testing

@testable import SSHTransport

/// The stdin of a staged run: files of announced lengths, then the script, byte for byte.
struct StdinPumpTests {
  func drain(_ pump: StdinPump, sendAtMost limit: Int = .max) throws -> Data {
    var out = Data()
    while true {
      let sent = try pump.send { bytes in
        let n = min(bytes.count, limit)
        out.append(contentsOf: bytes.prefix(n))
        return n
      }
      if sent == 0 { break }
    }
    #expect(pump.isExhausted)
    return out
  }

  func temporaryFile(_ data: Data) throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("cm-pump-\(UUID())")
    try data.write(to: url)
    return url
  }

  @Test func filesOfAnnouncedLengthsThenData() throws {
    let big = Data((0..<200_000).map { UInt8(truncatingIfNeeded: $0 &* 31) })
    let first = try temporaryFile(big)
    let second = try temporaryFile(Data("abc".utf8))
    defer { for url in [first, second] { try? FileManager.default.removeItem(at: url) } }
    let pump = try StdinPump([
      .fileBytes(first, length: big.count), .fileBytes(second, length: 3),
      .data(Data("script".utf8)),
    ])
    #expect(try drain(pump, sendAtMost: 7_000) == big + Data("abcscript".utf8))
  }

  @Test func aLongerFileIsCutAtItsAnnouncedLength() throws {
    let file = try temporaryFile(Data("0123456789".utf8))
    defer { try? FileManager.default.removeItem(at: file) }
    let pump = try StdinPump([.fileBytes(file, length: 4), .data(Data("|rest".utf8))])
    #expect(try drain(pump) == Data("0123|rest".utf8))
  }

  @Test func aFileShorterThanAnnouncedIsAnErrorNotTheScript() throws {
    let file = try temporaryFile(Data("0123".utf8))
    defer { try? FileManager.default.removeItem(at: file) }
    let pump = try StdinPump([.fileBytes(file, length: 10), .data(Data("script".utf8))])
    var sent = Data()
    #expect(throws: StdinPump.FileShrank.self) {
      while try pump.send({ bytes in
        sent.append(contentsOf: bytes); return bytes.count
      }) > 0 {}
    }
    #expect(sent == Data("0123".utf8))
  }

  @Test func aMissingFileFailsBeforeAnythingIsSent() throws {
    let missing = URL(fileURLWithPath: "/nonexistent/cm-pump-\(UUID())")
    #expect(throws: (any Error).self) {
      _ = try StdinPump([.data(Data("x".utf8)), .fileBytes(missing, length: 1)])
    }
  }
}
