import Foundation

/// Where one vault password comes from, as Ansible's command-line options name it.
public enum VaultPasswordSource: Hashable, Sendable {
  /// A file holding the password, or an executable that prints it (`--vault-password-file`,
  /// `--vault-id label@path`). An executable whose name ends in `-client` is asked for a
  /// label: `path --vault-id label`.
  case file(label: String?, path: String)
  /// Asked on the terminal: `--ask-vault-pass` (`Vault password: `) or `--vault-id
  /// label@prompt` (`Vault password (label): `).
  case prompt(label: String?, askVaultPass: Bool)

  /// A `--vault-id` value: `label@source` or just `source`, where `prompt` asks on the terminal.
  public static func vaultID(_ text: String) -> VaultPasswordSource {
    var label: String?
    var source = text
    if let at = text.firstIndex(of: "@") {
      label = String(text[..<at])
      source = String(text[text.index(after: at)...])
    }
    if source == "prompt" || source == "prompt_ask_vault_pass" {
      return .prompt(label: label, askVaultPass: source == "prompt_ask_vault_pass")
    }
    return .file(label: label, path: source)
  }

  /// The label the password is filed under (`default` when none was given).
  var label: String {
    switch self {
    case .file(let label, _), .prompt(let label, _):
      return (label?.isEmpty ?? true) ? VaultKeyring.defaultLabel : label!
    }
  }

  /// How messages name the source (never the password).
  var description: String {
    switch self {
    case .file(_, let path): return path
    case .prompt: return "prompt"
    }
  }

  /// Reads the password: the file's text without surrounding whitespace, or an executable's
  /// standard output without trailing line breaks, or the answer at the terminal prompt.
  func read(prompt: (String) -> String?) throws(InventoryError) -> VaultKeyring.Secret {
    switch self {
    case .prompt(let label, let askVaultPass):
      let question =
        askVaultPass || label == nil ? "Vault password: " : "Vault password (\(self.label)): "
      guard let answer = prompt(question) else {
        throw Self.failure("cannot ask for the vault password: there is no terminal")
      }
      guard !answer.isEmpty else { throw Self.failure("an empty vault password was given") }
      return VaultKeyring.Secret(label: self.label, password: answer, source: "prompt")
    case .file(_, let path):
      let password = try Self.passwordFromFile(path, label: label)
      return VaultKeyring.Secret(label: label, password: password, source: path)
    }
  }

  private static func passwordFromFile(_ path: String, label: String) throws(InventoryError)
    -> String
  {
    let expanded = (path as NSString).expandingTildeInPath
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: expanded, isDirectory: &isDirectory) else {
      throw failure("the vault password file \(path) was not found")
    }
    guard !isDirectory.boolValue else {
      throw failure("the vault password file \(path) is a directory")
    }
    let mode =
      (try? FileManager.default.attributesOfItem(atPath: expanded)[.posixPermissions])
      as? Int ?? 0
    let password: String
    if mode & 0o111 != 0 {
      password = try VaultPasswordScript.run(expanded, label: label)
    } else {
      guard let data = FileManager.default.contents(atPath: expanded) else {
        throw failure("cannot read the vault password file \(path)")
      }
      password = String(decoding: data, as: UTF8.self).trimmingCharacters(
        in: CharacterSet(charactersIn: " \t\n\r\u{0B}\u{0C}"))
    }
    guard !password.isEmpty else {
      throw failure("the vault password file \(path) gave an empty password")
    }
    return password
  }

  static func failure(_ message: String) -> InventoryError {
    InventoryError(
      code: "vault-password", message,
      remedy:
        "give the password with --vault-password-file FILE, --vault-id LABEL@FILE, --ask-vault-pass "
        + "or ANSIBLE_VAULT_PASSWORD_FILE")
  }
}

/// A vault password script, run as Ansible runs it: its standard output (without trailing line
/// breaks) is the password; a `NAME-client` script gets `--vault-id LABEL`.
enum VaultPasswordScript {
  static func run(_ path: String, label: String) throws(InventoryError) -> String {
    let name = (path as NSString).lastPathComponent
    let stem = name.contains(".") ? String(name[..<name.lastIndex(of: ".")!]) : name
    let isClient = stem.hasSuffix("-client")
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = isClient ? ["--vault-id", label] : []
    let output = Pipe()
    let errors = Pipe()
    process.standardOutput = output
    // A plain script may ask the user on standard error, as with Ansible.
    if isClient { process.standardError = errors }
    do {
      try process.run()
    } catch {
      throw VaultPasswordSource.failure(
        "cannot run the vault password script \(path) (\(error.localizedDescription)); if it is "
          + "not a script, remove its executable bit")
    }
    let data = output.fileHandleForReading.readDataToEndOfFile()
    let stderr = isClient ? errors.fileHandleForReading.readDataToEndOfFile() : Data()
    process.waitUntilExit()
    let status = process.terminationStatus
    let detail = String(decoding: stderr, as: UTF8.self).trimmingCharacters(
      in: .whitespacesAndNewlines)
    if isClient, status == 2 {
      throw VaultPasswordSource.failure(
        "the vault password client script \(path) has no password for vault-id '\(label)'"
          + (detail.isEmpty ? "" : ": \(detail)"))
    }
    guard status == 0 else {
      throw VaultPasswordSource.failure(
        "the vault password script \(path) exited with status \(status)"
          + (detail.isEmpty ? "" : ": \(detail)"))
    }
    // Python's `stdout.strip(b"\r\n")`: line breaks go from both ends.
    var password = String(decoding: data, as: UTF8.self).unicodeScalars[...]
    while let first = password.first, first == "\n" || first == "\r" { password.removeFirst() }
    while let last = password.last, last == "\n" || last == "\r" { password.removeLast() }
    return String(String.UnicodeScalarView(password))
  }
}
