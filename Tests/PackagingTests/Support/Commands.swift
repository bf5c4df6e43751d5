import ClusterMgrTesting
import Foundation
import Testing

/// Small helpers for the packaging tests: run a program that must succeed, make scratch
/// directories.
enum Commands {
  /// The standard output of `arguments`; records an issue with its error output when it fails.
  @discardableResult
  static func output(
    _ arguments: [String], environment: [String: String] = [:], in directory: String? = nil,
    sourceLocation: SourceLocation = #_sourceLocation
  ) throws -> String {
    let result = try ProcessRunner.run(
      arguments, environment: environment, currentDirectory: directory)
    try #require(
      result.status == 0,
      "\(arguments.joined(separator: " ")) exited \(result.status): \(result.stderr)",
      sourceLocation: sourceLocation)
    return result.stdout
  }

  /// A new empty directory under the system's temporary directory.
  static func temporaryDirectory(_ label: String) throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent(
      "cm-\(label)-\(UUID().uuidString.prefix(8))")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
  }

  /// The regular files under `directory`, as sorted relative paths.
  static func files(under directory: URL) -> [String] {
    let enumerator = FileManager.default.enumerator(atPath: directory.path)
    var files: [String] = []
    while let path = enumerator?.nextObject() as? String {
      if enumerator?.fileAttributes?[.type] as? FileAttributeType != .typeDirectory {
        files.append(path)
      }
    }
    return files.sorted()
  }
}
