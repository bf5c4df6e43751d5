import Foundation

/// Feeds a command's standard input from memory or from a file, a bounded chunk at a time, so
/// large uploads stream with flat memory.
final class StdinPump {
  /// Where the bytes come from.
  enum Source {
    case data(Data)
    case file(URL)
  }

  static let chunkSize = 64 * 1024

  private var chunk: Data
  private var offset = 0
  private let file: FileHandle?
  private var fileDone = false

  init(_ source: Source) throws {
    switch source {
    case .data(let data):
      chunk = data
      file = nil
    case .file(let url):
      chunk = Data()
      file = try FileHandle(forReadingFrom: url)
    }
  }

  deinit { try? file?.close() }

  /// Whether every byte has been handed out.
  var isExhausted: Bool {
    offset >= chunk.count && (file == nil || fileDone)
  }

  /// Hands the unsent bytes to `body` (refilling from the file) and returns what `body` returns.
  ///
  /// `body` returns how many bytes it sent (or a negative libssh2 code); 0 means nothing is left.
  func send(_ body: (UnsafeRawBufferPointer) -> Int) throws -> Int {
    if offset >= chunk.count, let file, !fileDone {
      let next = try file.read(upToCount: Self.chunkSize) ?? Data()
      chunk = next
      offset = 0
      if next.isEmpty { fileDone = true }
    }
    guard offset < chunk.count else { return 0 }
    let sent = chunk.withUnsafeBytes { raw in
      body(UnsafeRawBufferPointer(rebasing: raw[offset...]))
    }
    if sent > 0 { offset += sent }
    return sent
  }
}
