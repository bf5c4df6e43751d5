import Basics
import Foundation
import Mustache

/// The `roles/` directory: templates, manifests and files the Swift roles render and ship.
///
/// Found at `$CLUSTER_MGR_ROLES_DIR`, else `<prefix>/share/cluster-mgr/roles` next to an
/// installed binary, else the `roles/` folder of the source checkout the binary was built in.
public struct RoleFiles: Sendable {
  /// The `roles/` directory.
  public let root: URL

  /// Uses `root` as the roles directory.
  public init(root: URL) { self.root = root }

  /// Finds the roles directory for this process.
  public static func locate() throws -> RoleFiles {
    let fm = FileManager.default
    var candidates: [URL] = []
    if let dir = ProcessInfo.processInfo.environment["CLUSTER_MGR_ROLES_DIR"], !dir.isEmpty {
      candidates.append(URL(fileURLWithPath: dir))
    }
    let executable = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
    let binDir = executable.deletingLastPathComponent()
    candidates.append(binDir.deletingLastPathComponent().appendingPathComponent("share/cluster-mgr/roles"))
    var dir = binDir
    while dir.path != "/" {
      if fm.fileExists(atPath: dir.appendingPathComponent("Package.swift").path) {
        candidates.append(dir.appendingPathComponent("roles"))
        break
      }
      dir.deleteLastPathComponent()
    }
    for candidate in candidates {
      var isDirectory: ObjCBool = false
      if fm.fileExists(atPath: candidate.path, isDirectory: &isDirectory), isDirectory.boolValue {
        return RoleFiles(root: candidate)
      }
    }
    throw RoleFilesError(
      message: "cannot find the roles directory (looked in \(candidates.map(\.path).joined(separator: ", ")))",
      remedy: "install it next to the binary as <prefix>/share/cluster-mgr/roles, or set CLUSTER_MGR_ROLES_DIR")
  }

  /// The path of `file` inside `role`'s directory.
  public func url(_ role: String, _ file: String) -> URL {
    root.appendingPathComponent(role).appendingPathComponent(file)
  }

  /// The text of `file` inside `role`'s directory.
  public func text(_ role: String, _ file: String) throws -> String {
    let url = url(role, file)
    do { return try String(contentsOf: url, encoding: .utf8) } catch {
      throw RoleFilesError(message: "cannot read \(url.path): \(error.localizedDescription)", remedy: nil)
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
      throw RoleFilesError(message: "template \(role)/templates/\(name).mustache: \(error)", remedy: nil)
    }
  }
}

/// The roles directory or one of its files is missing or broken.
public struct RoleFilesError: OperatorError {
  public let message: String
  public let remedy: String?
}
