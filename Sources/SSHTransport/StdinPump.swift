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

  /// A source ready to send: files are opened when the pump is made.
  private enum Part {
    case data(Data)
    /// A file, and the bytes still to read from it (nil: to its end).
    case file(FileHandle, path: String, remaining: Int?)
  }

  private var parts: [Part]
  private var chunk = Data()
  private var offset = 0

  convenience init(_ source: Source) throws { try self.init([source]) }

  /// Opens every file now: one that cannot be read fails here, before anything is sent.
  init(_ sources: [Source]) throws {
    var parts: [Part] = []
    do {
      for source in sources {
        switch source {
        case .data(let data):
          parts.append(.data(data))
        case .file(let url):
          parts.append(.file(try FileHandle(forReadingFrom: url), path: url.path, remaining: nil))
        case .fileBytes(let url, let length):
          parts.append(
            .file(try FileHandle(forReadingFrom: url), path: url.path, remaining: length))
        }
      }
    } catch {
      Self.close(parts)
      throw error
    }
    self.parts = parts
  }

  deinit { Self.close(parts) }

  private static func close(_ parts: [Part]) {
    for case .file(let handle, _, _) in parts { try? handle.close() }
  }

  /// Whether every byte has been handed out.
  var isExhausted: Bool { offset >= chunk.count && parts.isEmpty }

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

  /// Loads the next chunk of the first part (dropping parts that are used up); false when
  /// nothing is left.
  private func refill() throws -> Bool {
    offset = 0
    guard let part = parts.first else {
      chunk = Data()
      return false
    }
    switch part {
    case .data(let data):
      chunk = data
      parts.removeFirst()
    case .file(let handle, let path, let remaining):
      let want = min(Self.chunkSize, remaining ?? Self.chunkSize)
      chunk = want > 0 ? (try handle.read(upToCount: want) ?? Data()) : Data()
      if chunk.isEmpty {
        if let remaining, remaining > 0 { throw FileShrank(path: path) }
        try? handle.close()
        parts.removeFirst()
      } else if let remaining {
        parts[0] = .file(handle, path: path, remaining: remaining - chunk.count)
      }
    }
    return true
  }
}
