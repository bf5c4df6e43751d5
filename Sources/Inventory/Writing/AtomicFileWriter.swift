import Basics
import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Replaces a file so that readers (and a crash at any moment) see either the whole old text or
/// the whole new text, with the old file's mode and owner (``AtomicFile`` does the writing).
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
    let owner = (uid: status.st_uid, gid: status.st_gid)
    do {
      if let backup {
        guard let old = FileManager.default.contents(atPath: path) else {
          throw InventoryWriteError(path: path, step: "read for backup", errno: EIO)
        }
        try AtomicFile.write(old, to: backup, mode: mode, owner: owner)
      }
      try AtomicFile.write(
        Data(text.utf8), to: path, mode: mode, owner: owner,
        beforeRename: { hooks.reach(.beforeRename) })
      hooks.reach(.afterRename)
    } catch let error as AtomicFileError {
      throw InventoryWriteError(path: error.path, step: error.step, errno: error.errno)
    } catch let error as InventoryWriteError {
      throw error
    } catch {
      throw InventoryWriteError(path: path, step: "write", errno: EIO)
    }
  }

  /// Creates `path` holding `text` with `mode` from its first byte; an existing file (or link)
  /// at `path` is never replaced: that is an error (`EEXIST`).
  static func create(_ path: String, with text: String, mode: mode_t) throws(InventoryWriteError) {
    do {
      try AtomicFile.create(Data(text.utf8), at: path, mode: mode)
    } catch {
      throw InventoryWriteError(path: error.path, step: error.step, errno: error.errno)
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
