import Basics
import Foundation
import OrderedCollections

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// An inventory on disk that can be changed safely.
///
/// ``apply(_:)`` takes an advisory lock (`flock` on the inventory's directory) so concurrent
/// writers take turns, reads the files fresh under the lock, applies and checks the edits (see
/// ``InventoryEditor``), and only then replaces each changed file atomically (temporary file,
/// `fsync`, `rename`, mode and owner kept), keeping the previous version as `FILE.bak`.
public struct InventoryFile: Sendable {
  /// The inventory file as given.
  public let path: String
  let hooks: WriteHooks

  /// The inventory at `path`; test hooks come from the environment (see docs/inventory.md).
  public init(path: String) {
    self.path = path
    self.hooks = .fromEnvironment()
  }

  /// What a write did.
  public struct WriteResult: Sendable {
    /// One line per change.
    public var summary: [String]
    /// Notes for the user (nothing to change, files left behind).
    public var notes: [String]
    /// Files that were replaced.
    public var writtenFiles: [String]
    /// The backup of each replaced file, by file.
    public var backups: OrderedDictionary<String, String>
    /// Warnings of the inventory after the change.
    public var warnings: [InventoryDiagnostic]
    /// The old and new text of each changed file (also for a dry run).
    public var changes: OrderedDictionary<String, (old: String, new: String)>
  }

  /// Applies `edits` under the lock and writes the changed files (nothing when `dryRun`).
  ///
  /// On any error nothing is written.
  public func apply(_ edits: [InventoryEdit], dryRun: Bool = false) throws
    -> WriteResult
  {
    guard FileManager.default.fileExists(atPath: path) else {
      throw InventoryError(
        code: "inventory-missing", "inventory file \(path) does not exist",
        remedy: "pass -i PATH (or set CLUSTER_MGR_INVENTORY), or copy an example from inventory/")
    }
    let target = Self.resolvedPath(path)
    let lock = try InventoryLock(directory: directoryName(target))
    defer { lock.release() }
    hooks.reach(.locked)
    AtomicFileWriter.removeStaleTemporaries(of: target)
    var editor = InventoryEditor(path: path)
    let result = try editor.apply(edits)
    var changes: OrderedDictionary<String, (old: String, new: String)> = [:]
    for (file, text) in result.changedFiles {
      changes[file] = (result.originalTexts[file] ?? "", text)
    }
    var backups: OrderedDictionary<String, String> = [:]
    var written: [String] = []
    if !dryRun {
      for (file, text) in result.changedFiles {
        let real = Self.resolvedPath(file)
        let backup = real + ".bak"
        try AtomicFileWriter.replace(real, with: text, backup: backup, hooks: hooks)
        backups[file] = backup
        written.append(file)
      }
    }
    return WriteResult(
      summary: result.summary, notes: result.notes, writtenFiles: written, backups: backups,
      warnings: result.warnings, changes: changes)
  }

  /// ``apply(_:dryRun:)`` on a thread of its own, for async callers.
  ///
  /// Waiting for the lock and writing files block, so they stay off the cooperative pool.
  public func apply(_ edits: [InventoryEdit], dryRun: Bool = false) async throws -> WriteResult {
    try await BlockingWork.run { try self.apply(edits, dryRun: dryRun) }
  }

  /// The file a path names, through symbolic links (so a link stays a link).
  static func resolvedPath(_ path: String) -> String {
    guard let resolved = realpath(path, nil) else { return path }
    defer { free(resolved) }
    return String(cString: resolved)
  }
}

/// An exclusive advisory lock (`flock`) on a directory, held until ``release()``.
struct InventoryLock: Sendable {
  let descriptor: Int32

  init(directory: String) throws(InventoryWriteError) {
    let descriptor = open(directory, O_RDONLY | O_CLOEXEC)
    guard descriptor >= 0 else {
      throw InventoryWriteError(path: directory, step: "open for locking", errno: errno)
    }
    while flock(descriptor, LOCK_EX) != 0 {
      if errno == EINTR { continue }
      let code = errno
      close(descriptor)
      throw InventoryWriteError(path: directory, step: "lock", errno: code)
    }
    self.descriptor = descriptor
  }

  func release() {
    flock(descriptor, LOCK_UN)
    close(descriptor)
  }
}
