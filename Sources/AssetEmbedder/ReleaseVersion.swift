import Foundation

/// The release version from the package's `VERSION` file.
enum ReleaseVersion {
  /// The version in `url`, without surrounding white space; throws unless it is one version
  /// string a Debian package accepts (a digit first, then letters, digits and `.+~-`).
  static func read(_ url: URL) throws -> String {
    let text = try UTF8Text.read(url, shownAs: "VERSION")
    let version = text.trimmingCharacters(in: .whitespacesAndNewlines)
    let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.+~-")
    guard let first = version.first, first.isASCII, first.isNumber,
      version.allSatisfy(allowed.contains)
    else {
      throw EmbedError(
        file: "VERSION", problem: "holds \(String(reflecting: version)), which is not a version",
        remedy: "write one version such as 0.2.0 (a digit first, then letters, digits and .+~-)")
    }
    return version
  }
}
