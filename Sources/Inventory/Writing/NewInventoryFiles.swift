import Basics
import Foundation
import OrderedCollections

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The files of a new inventory, written only where nothing exists yet.
public enum NewInventoryFiles {
  /// Writes each file (path → text) with mode 0600, creating missing directories.
  ///
  /// Refuses, writing nothing, when any of the paths exists; a file that appears meanwhile is
  /// never replaced (each is linked into place, which fails on an existing name), and the files
  /// written before a failure are removed again.
  public static func create(_ files: OrderedDictionary<String, String>) throws {
    try refuseExisting(Array(files.keys))
    var created: [String] = []
    do {
      for (path, text) in files {
        try FileManager.default.createDirectory(
          atPath: directoryName(path), withIntermediateDirectories: true)
        try AtomicFileWriter.create(path, with: text, mode: 0o600)
        created.append(path)
      }
    } catch {
      for path in created { unlink(path) }
      throw error
    }
  }

  /// Throws when any of `paths` exists (a dangling link included).
  public static func refuseExisting(_ paths: [String]) throws(InventoryError) {
    for path in paths where exists(path) {
      throw InventoryError(
        code: "inventory-exists", "\(path) already exists; nothing was written",
        remedy:
          "choose another path with -i PATH, or change the existing inventory with config-set and add-node"
      )
    }
  }

  /// True for any directory entry at `path`, a dangling link included.
  static func exists(_ path: String) -> Bool {
    var status = stat()
    return lstat(path, &status) == 0
  }
}
