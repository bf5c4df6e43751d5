import Basics
import Foundation

/// The age key of `sops_age_key_file`, read from the workstation for the Secret `sops-age`.
enum SOPSAgeKey {
  /// The file's content, registered with `redactor` before anything can print it, and a warning
  /// when others than its owner may read the file. Throws, naming the variable and the path, when
  /// the file cannot be read or holds no age secret key (a line starting `AGE-SECRET-KEY-1`).
  static func load(path: String, redactor: SecretRedactor) throws -> (
    key: String, warning: String?
  ) {
    let expanded = (path as NSString).expandingTildeInPath
    let shown = PrintableText.escaped(expanded)
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: expanded, isDirectory: &isDirectory),
      !isDirectory.boolValue
    else {
      throw OperationError(
        "sops_age_key_file \(shown) does not exist",
        remedy:
          "set sops_age_key_file to the age key file Flux decrypts with (made by `age-keygen -o FILE`), or remove it",
        exitStatus: ExitStatus.invalidInput)
    }
    guard let data = FileManager.default.contents(atPath: expanded) else {
      throw OperationError(
        "sops_age_key_file \(shown) cannot be read",
        remedy: "make the file readable by you (chmod 600 \(shown))",
        exitStatus: ExitStatus.invalidInput)
    }
    guard let text = String(data: data, encoding: .utf8) else {
      throw OperationError(
        "sops_age_key_file \(shown) is not an age key file (not UTF-8 text)",
        remedy: "point it at a file made by `age-keygen -o FILE`",
        exitStatus: ExitStatus.invalidInput)
    }
    let keys = text.split(whereSeparator: \.isNewline)
      .map { $0.trimmingCharacters(in: .whitespaces) }
      .filter { $0.hasPrefix("AGE-SECRET-KEY-1") }
    // Masked before anything else happens: the key lines, the whole file and its base64 (how a
    // Secret's data holds it).
    for key in keys { redactor.register(key) }
    if !keys.isEmpty {
      redactor.register(text)
      let content = text.hasSuffix("\n") ? text : text + "\n"
      redactor.register(Data(content.utf8).base64EncodedString())
    }
    guard !keys.isEmpty else {
      throw OperationError(
        "sops_age_key_file \(shown) is not an age key file: it has no line starting AGE-SECRET-KEY-1",
        remedy:
          "point it at the private key file made by `age-keygen -o FILE` (not the public key)",
        exitStatus: ExitStatus.invalidInput)
    }
    var warning: String?
    if let attributes = try? FileManager.default.attributesOfItem(atPath: expanded),
      let mode = (attributes[.posixPermissions] as? NSNumber)?.intValue, mode & 0o077 != 0
    {
      warning =
        "warning: sops_age_key_file \(shown) can be read by others than its owner (mode \(String(mode & 0o777, radix: 8))); chmod 600 \(shown)"
    }
    return (text, warning)
  }
}
