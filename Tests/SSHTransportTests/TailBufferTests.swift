import Foundation
import Testing

@testable import SSHTransport

/// The output cap: the last `limit` bytes kept exactly, the rest counted, memory bounded.
struct TailBufferTests {
  /// Feeds `chunks` and compares with the naive answer (everything, then its suffix).
  static func check(limit: Int, chunks: [[UInt8]]) {
    let buffer = TailBuffer(limit: limit)
    var all: [UInt8] = []
    for chunk in chunks {
      chunk.withUnsafeBytes { buffer.receive($0) }
      all += chunk
      #expect(buffer.contents.count <= limit)
    }
    #expect(
      buffer.contents == Data(all.suffix(limit)), "limit \(limit), chunks \(chunks.map(\.count))")
    #expect(buffer.received == all.count)
    #expect(buffer.dropped == max(0, all.count - limit))
  }

  @Test func keepsEverythingUnderTheLimit() {
    Self.check(limit: 10, chunks: [[1, 2, 3], [4], []])
  }

  @Test func keepsTheLastBytesAcrossWrapArounds() {
    var generator = SystemRandomNumberGenerator()
    for limit in [1, 2, 7, 64, 1000] {
      for _ in 0..<50 {
        let chunks = (0..<Int.random(in: 1...12, using: &generator)).map { _ in
          (0..<Int.random(in: 0...(limit * 2), using: &generator)).map { _ in
            UInt8.random(in: 0...255, using: &generator)
          }
        }
        Self.check(limit: limit, chunks: chunks)
      }
    }
  }

  @Test func aChunkLargerThanTheLimitKeepsItsEnd() {
    Self.check(limit: 4, chunks: [[1, 2], Array(0...20), [99]])
  }

  @Test func aZeroLimitKeepsNothingButCounts() {
    Self.check(limit: 0, chunks: [[1, 2, 3]])
  }

  @Test func fiftyMegabytesThroughAOneMegabyteBufferKeepMemoryFlat() {
    let buffer = TailBuffer(limit: 1 << 20)
    let chunk = [UInt8](repeating: UInt8(ascii: "x"), count: 64 << 10)
    MemoryProbe.resetPeak()
    let before = MemoryProbe.peak
    for _ in 0..<800 { chunk.withUnsafeBytes { buffer.receive($0) } }
    #expect(buffer.received == 800 * (64 << 10))
    #expect(buffer.contents.count == 1 << 20)
    #expect(MemoryProbe.peak - before < 16 << 20, "peak grew by \(MemoryProbe.peak - before) bytes")
  }
}
