import Foundation

/// Receives one output stream of a remote command as it arrives, on the connection's thread.
protocol OutputSink: AnyObject {
  /// Takes the next chunk; a thrown error stops the command (its channel is closed).
  func receive(_ bytes: UnsafeRawBufferPointer) throws
}

/// Keeps the last `limit` bytes of a stream and counts the ones it dropped before them.
///
/// Memory never exceeds `limit` bytes, however much the command writes: a ring buffer once full.
final class TailBuffer: OutputSink {
  /// The most bytes kept.
  let limit: Int
  private var storage: [UInt8] = []
  /// Where the oldest kept byte is, once `storage` is full.
  private var start = 0
  /// Every byte received, kept or not.
  private(set) var received = 0

  /// A buffer keeping at most `limit` bytes (at least 0).
  init(limit: Int) { self.limit = max(0, limit) }

  /// Bytes received but no longer kept (the oldest ones).
  var dropped: Int { received - storage.count }

  /// The kept bytes, oldest first.
  var contents: Data {
    guard start > 0 else { return Data(storage) }
    var data = Data(capacity: storage.count)
    data.append(contentsOf: storage[start...])
    data.append(contentsOf: storage[..<start])
    return data
  }

  func receive(_ bytes: UnsafeRawBufferPointer) {
    received += bytes.count
    guard limit > 0, bytes.count > 0 else { return }
    if bytes.count >= limit {
      storage = Array(bytes.suffix(limit))
      start = 0
      return
    }
    var rest = bytes[...]
    let room = limit - storage.count
    if room > 0 {
      storage.append(contentsOf: rest.prefix(room))
      rest = rest.dropFirst(room)
    }
    // Full: overwrite the oldest bytes, at most two runs (to the end, then from the front).
    while !rest.isEmpty {
      let run = min(rest.count, limit - start)
      storage.withUnsafeMutableBytes { target in
        UnsafeMutableRawBufferPointer(rebasing: target[start..<start + run])
          .copyMemory(from: UnsafeRawBufferPointer(rebasing: rest.prefix(run)))
      }
      rest = rest.dropFirst(run)
      start = (start + run) % limit
    }
  }
}
