import Foundation

/// Feeds a command's standard input from memory or from files, one after the other, a bounded
/// chunk at a time, so large uploads stream with flat memory.
final class StdinPump {
  /// Where the bytes come from.
  enum Source {
    case data(Data)
    /// A whole file, to its end.
    case file(URL)
    /// Exactly `length` bytes of a file: a file that turns out shorter is an error (what follows
    /// it on the stream would be read in its place), a longer one is cut.
    case fileBytes(URL, length: Int)
  }

  /// A file that ended before the length it was announced with.
  struct FileShrank: LocalizedError {
    var path: String
    var errorDescription: String? {
      "\(path) became shorter while it was being sent; send it again once nothing writes to it"
    }
  }

  static let chunkSize = 64 * 1024

  private var pending: [Source]
  private var chunk = Data()
  private var offset = 0
  private var file: FileHandle?
  private var fileURL: URL?
  /// Bytes still to read from `file` (nil: to its end).
  private var fileRemaining: Int?

  convenience init(_ source: Source) throws { try self.init([source]) }

  init(_ sources: [Source]) throws {
    pending = sources
    // A file that cannot be opened fails here, before anything is sent.
    for case .file(let url) in sources { _ = try FileHandle(forReadingFrom: url).close() }
    for case .fileBytes(let url, _) in sources { _ = try FileHandle(forReadingFrom: url).close() }
  }

  deinit { try? file?.close() }

  /// Whether every byte has been handed out.
  var isExhausted: Bool { offset >= chunk.count && file == nil && pending.isEmpty }

  /// Hands the unsent bytes to `body` (refilling from the sources) and returns what `body`
  /// returns.
  ///
  /// `body` returns how many bytes it sent (or a negative libssh2 code); 0 means nothing is left.
  func send(_ body: (UnsafeRawBufferPointer) -> Int) throws -> Int {
    while offset >= chunk.count {
      guard try refill() else { return 0 }
    }
    let sent = chunk.withUnsafeBytes { raw in
      body(UnsafeRawBufferPointer(rebasing: raw[offset...]))
    }
    if sent > 0 { offset += sent }
    return sent
  }

  /// Loads the next chunk; false when every source is used up.
  private func refill() throws -> Bool {
    chunk = Data()
    offset = 0
    if let handle = file {
      let want = min(Self.chunkSize, fileRemaining ?? Self.chunkSize)
      let next = want > 0 ? (try handle.read(upToCount: want) ?? Data()) : Data()
      if let remaining = fileRemaining {
        fileRemaining = remaining - next.count
        if next.isEmpty && remaining > 0 { throw FileShrank(path: fileURL?.path ?? "") }
      }
      if next.isEmpty {
        try? handle.close()
        file = nil
      }
      chunk = next
      return true
    }
    guard !pending.isEmpty else { return false }
    switch pending.removeFirst() {
    case .data(let data):
      chunk = data
    case .file(let url):
      file = try FileHandle(forReadingFrom: url)
      fileURL = url
      fileRemaining = nil
    case .fileBytes(let url, let length):
      file = try FileHandle(forReadingFrom: url)
      fileURL = url
      fileRemaining = length
    }
    return true
  }
}
