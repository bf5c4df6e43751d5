import Basics
import Crypto
import Foundation

/// Writes a command's standard output into a local file as it arrives, hashing it on the way:
/// the file has its mode from the first byte and appears at its path only on ``commit()``
/// (see `AtomicFile.Writer`); memory stays at one chunk whatever the size.
final class FileSink: OutputSink {
  private var writer: AtomicFile.Writer?
  private var hasher = SHA256()
  /// Bytes written so far.
  private(set) var size: Int64 = 0

  /// Starts a temporary file for `path`, created with `mode`.
  init(path: String, mode: mode_t) throws(AtomicFileError) {
    writer = try AtomicFile.Writer(for: path, mode: mode)
  }

  func receive(_ bytes: UnsafeRawBufferPointer) throws {
    guard var file = writer.take() else { throw FileSinkClosed() }
    try file.append(bytes)
    writer = consume file
    hasher.update(bufferPointer: bytes)
    size += Int64(bytes.count)
  }

  /// The SHA-256 (hex) of what was written.
  var sha256: String { FileHash.hex(hasher.finalize()) }

  /// Syncs the file and renames it into place.
  func commit() throws(AtomicFileError) {
    guard let file = writer.take() else { return }
    try file.commit()
  }

  /// Removes the temporary file; nothing appears at the path.
  func discard() { writer.take()?.discard() }
}

/// A chunk arrived after the file was committed, discarded or failed.
struct FileSinkClosed: Error {}
