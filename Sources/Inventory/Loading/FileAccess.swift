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
    guard let text = String(data: data, encoding: .utf8) else {
      throw CocoaError(.fileReadInapplicableStringEncoding)
    }
    return text
  }

  func exists(_ path: String) -> Bool {
    overlay[Self.key(path)] != nil || FileManager.default.fileExists(atPath: path)
  }

  func isDirectory(_ path: String) -> Bool {
    var isDirectory: ObjCBool = false
    return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
      && isDirectory.boolValue
  }

  func isFile(_ path: String) -> Bool {
    overlay[Self.key(path)] != nil || (exists(path) && !isDirectory(path))
  }

  func list(_ path: String) -> [String] {
    (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
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
