import Foundation
import OrderedCollections

/// How the loader reaches files: the disk, optionally with some files replaced by new text
/// (used to check an edit before it is written).
struct FileAccess: Sendable {
  /// Replacement texts by absolute, standardized path.
  var overlay: [String: String] = [:]

  static let disk = FileAccess()

  static func key(_ path: String) -> String {
    URL(fileURLWithPath: path).standardizedFileURL.path
  }

  func readText(_ path: String) throws -> String {
    if let text = overlay[Self.key(path)] { return text }
    let data = try Data(contentsOf: URL(fileURLWithPath: path))
    // Not String(data:encoding:), which drops a byte order mark the editor must keep.
    guard let text = String(validating: data, as: UTF8.self) else {
      throw CocoaError(.fileReadInapplicableStringEncoding)
    }
    return text
  }

  func exists(_ path: String) -> Bool {
    overlay[Self.key(path)] != nil || holdsOverlayFiles(path)
      || FileManager.default.fileExists(atPath: path)
  }

  func isDirectory(_ path: String) -> Bool {
    if holdsOverlayFiles(path) { return true }
    var isDirectory: ObjCBool = false
    return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
      && isDirectory.boolValue
  }

  /// True when an overlay file lies below `path` (a directory that exists only in memory).
  private func holdsOverlayFiles(_ path: String) -> Bool {
    let prefix = Self.key(path) + "/"
    return overlay.keys.contains { $0.hasPrefix(prefix) }
  }

  func isFile(_ path: String) -> Bool {
    overlay[Self.key(path)] != nil || (exists(path) && !isDirectory(path))
  }

  func list(_ path: String) -> [String] {
    var names = Set((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? [])
    let prefix = Self.key(path) + "/"
    for key in overlay.keys where key.hasPrefix(prefix) {
      if let first = key.dropFirst(prefix.count).split(separator: "/").first {
        names.insert(String(first))
      }
    }
    return Array(names)
  }
}

/// Joins path components the way `os.path.join` does for relative parts.
func joinPath(_ base: String, _ component: String) -> String {
  if base.isEmpty { return component }
  return base.hasSuffix("/") ? base + component : base + "/" + component
}

/// The directory part of a path (`.` for a bare file name), like `os.path.dirname` but never empty.
func directoryName(_ path: String) -> String {
  guard let slash = path.lastIndex(of: "/") else { return "." }
  let directory = String(path[..<slash])
  return directory.isEmpty ? "/" : directory
}
