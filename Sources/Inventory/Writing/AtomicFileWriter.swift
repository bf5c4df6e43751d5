import Basics
import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Replaces a file so that readers (and a crash at any moment) see either the whole old text or
/// the whole new text: a temporary file in the same directory with the old file's mode and
/// owner, `fsync`, `rename` over the original, `fsync` of the directory.
enum AtomicFileWriter {
  /// Writes `text` to `path` atomically; `backup` (if given) first receives the old contents, also
  /// atomically.
  ///
  /// Test hooks run at `before-rename` and `after-rename`.
  static func replace(_ path: String, with text: String, backup: String?, hooks: WriteHooks)
    throws(InventoryWriteError)
  {
    var status = stat()
    guard stat(path, &status) == 0 else {
      throw InventoryWriteError(path: path, step: "stat", errno: errno)
    }
    let mode = mode_t(status.st_mode) & 0o7777
    if let backup {
      let old: Data
      do {
        old = try Data(contentsOf: URL(fileURLWithPath: path))
      } catch {
        throw InventoryWriteError(path: path, step: "read for backup", errno: EIO)
      }
      try writeAndRename(Data(old), to: backup, mode: mode, owner: status, hooks: nil)
    }
    try writeAndRename(Data(text.utf8), to: path, mode: mode, owner: status, hooks: hooks)
  }

  /// Creates `path` holding `text` with `mode` from its first byte; an existing file (or link)
  /// at `path` is never replaced: that is an error (`EEXIST`).
  static func create(_ path: String, with text: String, mode: mode_t) throws(InventoryWriteError) {
    let temporary = try writeTemporary(Data(text.utf8), for: path, mode: mode, owner: nil)
    defer { unlink(temporary) }
    guard link(temporary, path) == 0 else {
      throw InventoryWriteError(path: path, step: "create", errno: errno)
    }
    syncDirectory(of: path)
  }

  private static func writeAndRename(
    _ data: Data, to path: String, mode: mode_t, owner: stat, hooks: WriteHooks?
  ) throws(InventoryWriteError) {
    let temporary = try writeTemporary(data, for: path, mode: mode, owner: owner)
    hooks?.reach(.beforeRename)
    guard rename(temporary, path) == 0 else {
      let code = errno
      unlink(temporary)
      throw InventoryWriteError(path: path, step: "rename", errno: code)
    }
    hooks?.reach(.afterRename)
    syncDirectory(of: path)
  }

  /// A temporary file next to `path` holding `data`, with `mode` (and `owner`'s ids when root)
  /// from creation, synced to disk.
  private static func writeTemporary(_ data: Data, for path: String, mode: mode_t, owner: stat?)
    throws(InventoryWriteError) -> String
  {
    let directory = directoryName(path)
    let name = (path as NSString).lastPathComponent
    let temporary = joinPath(directory, ".\(name).cluster-mgr-\(getpid()).tmp")
    unlink(temporary)
    let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
    guard descriptor >= 0 else {
      throw InventoryWriteError(path: temporary, step: "create temporary file", errno: errno)
    }
    var failure: InventoryWriteError?
    let written = data.withUnsafeBytes { buffer -> Bool in
      var offset = 0
      while offset < buffer.count {
        let count = write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
        if count < 0 {
          if errno == EINTR { continue }
          return false
        }
        offset += count
      }
      return true
    }
    if !written { failure = InventoryWriteError(path: temporary, step: "write", errno: errno) }
    if failure == nil, fchmod(descriptor, mode) != 0 {
      failure = InventoryWriteError(path: temporary, step: "chmod", errno: errno)
    }
    if failure == nil, let owner, geteuid() == 0 {
      _ = fchown(descriptor, owner.st_uid, owner.st_gid)
    }
    if failure == nil, fsync(descriptor) != 0 {
      failure = InventoryWriteError(path: temporary, step: "fsync", errno: errno)
    }
    close(descriptor)
    if let failure {
      unlink(temporary)
      throw failure
    }
    return temporary
  }

  private static func syncDirectory(of path: String) {
    let directoryDescriptor = open(directoryName(path), O_RDONLY | O_CLOEXEC)
    if directoryDescriptor >= 0 {
      _ = fsync(directoryDescriptor)
      close(directoryDescriptor)
    }
  }

  /// Removes temporary files an earlier, interrupted write of `path` left behind (call while
  /// holding the inventory lock, when no other writer can be between create and rename).
  static func removeStaleTemporaries(of path: String) {
    let directory = directoryName(path)
    let prefix = "." + (path as NSString).lastPathComponent + ".cluster-mgr-"
    for name in (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
    where name.hasPrefix(prefix) && name.hasSuffix(".tmp") {
      unlink(joinPath(directory, name))
    }
  }
}

/// A file operation that failed while writing the inventory.
public struct InventoryWriteError: OperatorError {
  /// The file involved.
  public var path: String
  /// What was being done.
  public var step: String
  /// The C error number.
  public var errno: Int32

  public var message: String {
    "could not write \(path) (\(step)): \(String(cString: strerror(errno)))"
  }

  public var remedy: String? {
    "check that the directory is writable; the inventory was left as it was"
  }

  public var exitStatus: Int32 { ExitStatus.failure }
}
