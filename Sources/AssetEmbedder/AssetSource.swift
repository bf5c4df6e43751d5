/// The generated Swift source: the version and every role file as ordinary string literals.
///
/// Every character outside printable ASCII, and every quote and backslash, is written as an
/// escape, so no file content can end a literal early, interpolate, or be changed by the
/// compiler (multi-line literals would turn CRLF into LF and strip indentation).
enum AssetSource {
  /// The source of `GeneratedAssets` for `version` and `roleFiles` (paths relative to roles/).
  static func render(version: String, roleFiles: [(path: String, text: String)]) -> String {
    let entries = roleFiles.sorted { $0.path < $1.path }.map {
      "    \(literal($0.path)): \(literal($0.text)),"
    }
    let dictionary = entries.isEmpty ? "[:]" : "[\n" + entries.joined(separator: "\n") + "\n  ]"
    return """
      // Generated at build time by AssetEmbedder (the EmbedPackageAssets plugin) from VERSION
      // and roles/. Edit those files; this one is written anew by every build that needs it.

      /// VERSION and the files of roles/, as they were when this binary was built.
      enum GeneratedAssets {
        /// The content of VERSION.
        static let version = \(literal(version))

        /// Every file under roles/ by its path relative to roles/.
        static let roleFiles: [String: String] = \(dictionary)
      }

      """
  }

  /// `text` as a Swift string literal that holds exactly `text`.
  static func literal(_ text: String) -> String {
    var result = "\""
    for scalar in text.unicodeScalars {
      switch scalar {
      case "\\": result += "\\\\"
      case "\"": result += "\\\""
      case "\n": result += "\\n"
      case "\t": result += "\\t"
      case "\r": result += "\\r"
      case " "..."~": result.unicodeScalars.append(scalar)
      default: result += "\\u{\(String(scalar.value, radix: 16))}"
      }
    }
    return result + "\""
  }
}
