import Foundation
import PackagePlugin

/// Compiles VERSION and every file under roles/ into the target that uses this plugin.
///
/// AssetEmbedder writes them as Swift source. Files and folders whose names start with "."
/// (editor swap files, .DS_Store) are left out.
@main
struct EmbedPackageAssets: BuildToolPlugin {
  func createBuildCommands(context: PluginContext, target: any Target) async throws -> [Command] {
    let package = context.package.directoryURL
    let roles = package.appendingPathComponent("roles")
    let version = package.appendingPathComponent("VERSION")
    let relativePaths = try Self.files(under: roles)
    let output = context.pluginWorkDirectoryURL.appendingPathComponent("GeneratedAssets.swift")
    return [
      .buildCommand(
        displayName: "Embedding VERSION and \(relativePaths.count) files of roles/",
        executable: try context.tool(named: "AssetEmbedder").url,
        arguments: [output.path, version.path, roles.path] + relativePaths,
        inputFiles: [version] + relativePaths.map { roles.appendingPathComponent($0) },
        outputFiles: [output])
    ]
  }

  /// The files under `directory` (following links to files), as sorted relative paths.
  static func files(under directory: URL) throws -> [String] {
    let fileManager = FileManager.default
    guard let enumerator = fileManager.enumerator(atPath: directory.path) else {
      throw PluginError("cannot list \(directory.path): the package needs its roles/ folder")
    }
    var paths: [String] = []
    while let path = enumerator.nextObject() as? String {
      var isDirectory: ObjCBool = false
      let exists = fileManager.fileExists(
        atPath: directory.appendingPathComponent(path).path, isDirectory: &isDirectory)
      if path.split(separator: "/").last?.hasPrefix(".") == true {
        if isDirectory.boolValue { enumerator.skipDescendants() }
        continue
      }
      if exists && !isDirectory.boolValue { paths.append(path) }
    }
    return paths.sorted()
  }
}

/// The plugin could not read the package's roles/.
struct PluginError: Error, CustomStringConvertible {
  let description: String
  init(_ description: String) { self.description = description }
}
