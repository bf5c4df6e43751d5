// AssetEmbedder: writes the Swift source that carries VERSION and the files of roles/ inside
// the cluster-mgr binary. Run by the EmbedPackageAssets build-tool plugin, never by hand:
//
//   AssetEmbedder OUTPUT.swift VERSION ROLES_DIR [RELATIVE_PATH ...]
import Foundation

let arguments = Array(CommandLine.arguments.dropFirst())
guard arguments.count >= 3 else {
  FileHandle.standardError.write(
    Data("usage: AssetEmbedder OUTPUT.swift VERSION ROLES_DIR [RELATIVE_PATH ...]\n".utf8))
  exit(2)
}
let output = URL(fileURLWithPath: arguments[0])
let versionFile = URL(fileURLWithPath: arguments[1])
let rolesDirectory = URL(fileURLWithPath: arguments[2])
do {
  let version = try ReleaseVersion.read(versionFile)
  let files = try arguments.dropFirst(3).map { relativePath in
    let url = rolesDirectory.appendingPathComponent(relativePath)
    return (path: relativePath, text: try UTF8Text.read(url, shownAs: "roles/\(relativePath)"))
  }
  let source = Data(AssetSource.render(version: version, roleFiles: files).utf8)
  // An unchanged file keeps its date, so nothing that depends on it is compiled again.
  if (try? Data(contentsOf: output)) != source {
    try source.write(to: output, options: .atomic)
  }
} catch let error as EmbedError {
  FileHandle.standardError.write(Data("\(error.description)\n".utf8))
  exit(1)
} catch {
  FileHandle.standardError.write(Data("error: \(error)\n".utf8))
  exit(1)
}
