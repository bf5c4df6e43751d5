import Basics
import Foundation
import Mustache
import PackageAssets

/// The templates, manifests and files the Swift roles render and ship (the package's `roles/`).
///
/// A build carries them inside the binary (``embedded``); `CLUSTER_MGR_ROLES_DIR` points
/// ``locate()`` at a directory instead, so a developer sees edits without rebuilding.
public struct RoleFiles: Sendable {
  /// Where the files come from.
  enum Source: Sendable {
    /// A `roles/` directory on disk.
    case directory(URL)
    /// Files by path relative to `roles/`.
    case embedded([String: String])
  }

  let source: Source

  /// Reads the files from the `roles/` directory at `root`.
  public init(root: URL) { source = .directory(root) }

  /// The roles built into this binary.
  public static let embedded = RoleFiles(source: .embedded(PackageAssets.roleFiles))

  init(source: Source) { self.source = source }

  /// The roles for this process: `$CLUSTER_MGR_ROLES_DIR` when set, else ``embedded``.
  public static func locate(
    environment: [String: String] = ProcessInfo.processInfo.environment
  ) throws -> RoleFiles {
    guard let path = environment["CLUSTER_MGR_ROLES_DIR"], !path.isEmpty else { return .embedded }
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory),
      isDirectory.boolValue
    else {
      throw RoleFilesError(
        message: "CLUSTER_MGR_ROLES_DIR is \(path), which is not a directory",
        remedy:
          "point it at a roles/ directory (a checkout's roles/), or unset it to use the roles built into cluster-mgr",
        exitStatus: ExitStatus.invalidInput)
    }
    return RoleFiles(root: URL(fileURLWithPath: path))
  }

  /// The text of `file` inside `role`'s directory.
  public func text(_ role: String, _ file: String) throws -> String {
    let relativePath = "\(role)/\(file)"
    switch source {
    case .directory(let root):
      let url = root.appendingPathComponent(relativePath)
      do { return try String(contentsOf: url, encoding: .utf8) } catch {
        throw RoleFilesError(
          message: "cannot read \(url.path): \(error.localizedDescription)",
          remedy: "restore the file, or unset CLUSTER_MGR_ROLES_DIR to use the built-in roles")
      }
    case .embedded(let files):
      guard let text = files[relativePath] else {
        throw RoleFilesError(
          message: "roles/\(relativePath) is not among the files built into cluster-mgr",
          remedy:
            "add it under roles/ and rebuild, or set CLUSTER_MGR_ROLES_DIR to a roles/ directory")
      }
      return text
    }
  }

  /// Renders `roles/<role>/templates/<name>.mustache` with `values` (no HTML escaping).
  public func render(_ role: String, template name: String, _ values: [String: any Sendable]) throws
    -> String
  {
    let source = try text(role, "templates/\(name).mustache")
    do {
      let template = try MustacheTemplate(string: "{{% CONTENT_TYPE: TEXT}}" + source)
      return template.render(values)
    } catch {
      throw RoleFilesError(
        message: "template \(role)/templates/\(name).mustache: \(error)", remedy: nil)
    }
  }
}

/// A role file is missing or broken, or `CLUSTER_MGR_ROLES_DIR` names no directory.
public struct RoleFilesError: OperatorError {
  public let message: String
  public let remedy: String?
  public let exitStatus: Int32

  init(message: String, remedy: String?, exitStatus: Int32 = ExitStatus.failure) {
    self.message = message
    self.remedy = remedy
    self.exitStatus = exitStatus
  }
}
