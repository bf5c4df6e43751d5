import Basics
import Foundation
import Testing

/// SHA-256 as `sha256sum` prints it.
struct FileHashTests {
  @Test func knownDigestsInLowercaseHex() throws {
    #expect(
      FileHash.sha256(of: Data())
        == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    #expect(
      FileHash.sha256(of: Data("abc".utf8))
        == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    #expect(FileHash.hex([0x00, 0x0f, 0xa0, 0xff]) == "000fa0ff")
    #expect(FileHash.hex([]) == "")
  }

  @Test func aFileHashesAsItsBytesAndAsSha256sum() throws {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("cm-hash-\(UUID())")
      .path
    defer { try? FileManager.default.removeItem(atPath: path) }
    // Larger than one read chunk (1 MiB).
    let bytes = Data((0..<((1 << 20) + 4097)).map { UInt8(truncatingIfNeeded: $0 &* 31) })
    try bytes.write(to: URL(fileURLWithPath: path))
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
    process.arguments = [path]
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    let printed = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    let sha = try FileHash.sha256(path: path)
    #expect(sha == FileHash.sha256(of: bytes))
    #expect(printed.hasPrefix(sha + " "))
  }
}
