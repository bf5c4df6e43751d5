import CLibSSH2

/// The one read loop of a channel in non-blocking mode: stdout and stderr drained together, so
/// a full window on either stream never stalls the other. Used by ``ExecChannel`` (commands and
/// scripts) and the interactive shell.
final class ChannelReader {
  /// Which stream a chunk came from.
  enum Stream { case stdout, stderr }

  private let buffer: UnsafeMutableRawBufferPointer

  /// A reader reading up to `chunkSize` bytes at a time.
  init(chunkSize: Int) {
    buffer = .allocate(byteCount: chunkSize, alignment: 1)
  }

  deinit { buffer.deallocate() }

  /// Reads what both streams hold now, handing each chunk to `receive` (valid only during the
  /// call) until neither has more; true when anything came. A read error becomes
  /// `readFailed(failure)`.
  func drain<E: Error>(
    _ channel: OpaquePointer, of session: LibSSH2Session,
    readFailed: (LibSSH2Failure) -> E,
    _ receive: (Stream, UnsafeRawBufferPointer) throws(E) -> Void
  ) throws(E) -> Bool {
    var progressed = false
    for (stream, id) in [(Stream.stdout, Int32(0)), (.stderr, SSH_EXTENDED_DATA_STDERR)] {
      while true {
        let n = libssh2_channel_read_ex(channel, id, buffer.baseAddress, buffer.count)
        if n == Int(LIBSSH2_ERROR_EAGAIN) || n == 0 { break }
        guard n > 0 else { throw readFailed(session.lastFailure(code: Int32(n))) }
        progressed = true
        try receive(stream, UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
      }
    }
    return progressed
  }
}
