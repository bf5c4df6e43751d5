import Foundation
import OrderedCollections

/// `--extra-vars`: variables given on the command line, above every inventory source, read as
/// Ansible's `load_extra_vars` reads them: `@FILE` (a JSON or YAML file, vault-encrypted or
/// not), a JSON or YAML mapping starting with `{` (`{"k3s_version": "v1.31.5+k3s1"}`), or
/// `key=value` pairs (values are strings; quotes group words: `a="b c"`).
public enum ExtraVars {
  /// The variables of `arguments` as plain values, later arguments winning per variable.
  public static func parse(_ arguments: [String], vault: VaultPasswords = .shared)
    throws(InventoryError) -> OrderedDictionary<String, InventoryValue>
  {
    try variables(arguments, vault: vault).values.mapValues(\.inventoryValue)
  }

  /// The variables of `arguments`, later arguments winning per variable.
  public static func variables(_ arguments: [String], vault: VaultPasswords = .shared)
    throws(InventoryError) -> ExtraVariables
  {
    var result = ExtraVariables()
    for argument in arguments where !argument.isEmpty {
      let data: AnsibleValue
      if argument.hasPrefix("@") {
        data = try load(file: String(argument.dropFirst()), argument: argument, vault: vault)
      } else if argument.hasPrefix("/") || argument.hasPrefix(".") {
        throw InventoryError(
          code: "extra-vars", "--extra-vars \(argument): a file name must start with @",
          remedy: "write --extra-vars @\(argument)")
      } else if argument.hasPrefix("{") || argument.hasPrefix("[") {
        let document = try YAMLDocument.parse(argument, file: "--extra-vars")
        data = document.root?.ansibleValue ?? .null
      } else {
        data = .map(KeyValueArguments.parse(argument))
      }
      guard case .map(let mapping) = data else {
        throw InventoryError(
          code: "extra-vars",
          "--extra-vars \(argument): could not be made into a mapping of variables",
          remedy: "give key=value pairs, a JSON/YAML mapping, or @FILE holding one")
      }
      for entry in mapping.entries {
        result.values[entry.key.jsonKey] = try open(
          entry.value, name: entry.key.jsonKey, vault: vault, into: &result)
      }
    }
    return result
  }

  /// The value with its vaulted strings decrypted (a password is required here: extra vars are
  /// used, not just shown).
  private static func open(
    _ value: AnsibleValue, name: String, vault: VaultPasswords, into result: inout ExtraVariables
  ) throws(InventoryError) -> AnsibleValue {
    guard value.containsVault else { return value }
    let keyring = vault.isConfigured ? try vault.keyring().keyring : VaultKeyring([])
    do {
      return try value.mappingVault { vaulted in
        var opened = vaulted
        opened.plaintext = String(decoding: try keyring.decrypt(vaulted.ciphertext), as: UTF8.self)
        result.secrets.append(opened.plaintext!)
        return opened
      }
    } catch let failure as VaultKeyring.Failure {
      throw InventoryLoader.vaultError(failure, what: "--extra-vars \(name)", at: nil)
    } catch {
      throw InventoryError(code: "vault", "--extra-vars \(name): \(error)")
    }
  }

  private static func load(file: String, argument: String, vault: VaultPasswords)
    throws(InventoryError) -> AnsibleValue
  {
    let text: String
    do {
      text = try FileAccess.disk.readText(file)
    } catch {
      throw InventoryError(
        code: "extra-vars",
        "--extra-vars \(argument): cannot read \(file): \(error.localizedDescription)")
    }
    let (plaintext, _) = try InventoryLoader.readDecrypted(file, text: text, vault: vault)
    return try YAMLDocument.parse(plaintext, file: file).root?.ansibleValue ?? .null
  }
}

/// Variables from `--extra-vars`, by name.
public struct ExtraVariables: Sendable {
  var values: OrderedDictionary<String, AnsibleValue> = [:]
  /// Plaintexts of vaulted values among them.
  var secrets: [String] = []

  /// No variables.
  public init() {}

  /// True when there are none.
  public var isEmpty: Bool { values.isEmpty }
}

/// Ansible's `parse_kv` for `--extra-vars key=value ...`: words split at spaces outside quotes,
/// escapes decoded, each `key=value` a string variable (quotes around the value removed); words
/// without `=` become `_raw_params`.
enum KeyValueArguments {
  static func parse(_ text: String) -> AnsibleMapping {
    var mapping = AnsibleMapping()
    var raw: [String] = []
    for word in words(text) {
      let decoded = decodeEscapes(word)
      guard let equals = unescapedEquals(in: decoded) else {
        raw.append(word)
        continue
      }
      let key = decoded[..<equals].trimmingCharacters(in: .whitespaces)
      let value = decoded[decoded.index(after: equals)...].trimmingCharacters(in: .whitespaces)
      mapping[.string(key)] = .string(unquote(value))
    }
    if !raw.isEmpty { mapping[.string("_raw_params")] = .string(raw.joined(separator: " ")) }
    return mapping
  }

  /// The first `=` after the first character that is not escaped.
  private static func unescapedEquals(in word: String) -> String.Index? {
    var previous: Character?
    for index in word.indices {
      if word[index] == "=", index != word.startIndex, previous != "\\" { return index }
      previous = word[index]
    }
    return nil
  }

  /// Splits at whitespace outside single or double quotes; quotes stay in the words.
  static func words(_ text: String) -> [String] {
    var words: [String] = []
    var current = ""
    var quote: Character?
    var escaped = false
    for character in text {
      if escaped {
        current.append(character)
        escaped = false
        continue
      }
      if character == "\\" {
        current.append(character)
        escaped = true
        continue
      }
      if let open = quote {
        current.append(character)
        if character == open { quote = nil }
      } else if character == "'" || character == "\"" {
        quote = character
        current.append(character)
      } else if character.isWhitespace {
        if !current.isEmpty { words.append(current) }
        current = ""
      } else {
        current.append(character)
      }
    }
    if !current.isEmpty { words.append(current) }
    return words
  }

  /// Ansible's `unquote`: the quotes of a value quoted at both ends with the same quote.
  private static func unquote(_ text: String) -> String {
    guard text.count >= 2, let first = text.first, first == "'" || first == "\"",
      text.last == first, text.dropLast().last != "\\"
    else { return text }
    return String(text.dropFirst().dropLast())
  }

  /// Python's escape sequences as `_decode_escapes` decodes them (`\n`, `\t`, `\x41`, `\u00e9`).
  private static func decodeEscapes(_ text: String) -> String {
    let scalars = Array(text.unicodeScalars)
    var result = String.UnicodeScalarView()
    var index = 0
    while index < scalars.count {
      let scalar = scalars[index]
      guard scalar == "\\", index + 1 < scalars.count else {
        result.append(scalar)
        index += 1
        continue
      }
      let next = scalars[index + 1]
      let simple: [Unicode.Scalar: Unicode.Scalar] = [
        "\\": "\\", "'": "'", "\"": "\"", "a": "\u{07}", "b": "\u{08}", "f": "\u{0C}",
        "n": "\n", "r": "\r", "t": "\t", "v": "\u{0B}",
      ]
      if let replacement = simple[next] {
        result.append(replacement)
        index += 2
        continue
      }
      let width = next == "x" ? 2 : next == "u" ? 4 : next == "U" ? 8 : 0
      if width > 0, index + 2 + width <= scalars.count,
        let code = UInt32(
          String(String.UnicodeScalarView(scalars[(index + 2)..<(index + 2 + width)])), radix: 16),
        let decoded = Unicode.Scalar(code)
      {
        result.append(decoded)
        index += 2 + width
        continue
      }
      result.append(scalar)
      index += 1
    }
    return String(result)
  }
}

extension ResolvedInventory {
  /// The inventory with `extraVars` set on every host and on `all`, above every other source.
  public func applyingExtraVars(_ extraVars: OrderedDictionary<String, InventoryValue>)
    -> ResolvedInventory
  {
    var extra = ExtraVariables()
    for (key, value) in extraVars { extra.values[key] = AnsibleValue(value) }
    return applying(extra)
  }

  /// The inventory with `extraVars` on every host (above every other source) and, unless
  /// `toGroups` is false, on `all` too (`ansible-inventory` shows them on hosts only).
  public func applying(_ extraVars: ExtraVariables, toGroups: Bool = true) -> ResolvedInventory {
    guard !extraVars.isEmpty else { return self }
    // Each variable has a place of its own (`--extra-vars:1:N` for the Nth), so the validator
    // checks every one of them, not only the first.
    func location(_ key: String) -> SourceLocation {
      SourceLocation(
        file: "--extra-vars", line: 1, column: (extraVars.values.index(forKey: key) ?? 0) + 1)
    }
    var hosts = self.hosts
    for name in hosts.keys {
      for (key, value) in extraVars.values {
        let location = location(key)
        hosts[name]?.variables[key] = ResolvedVariable(
          value: value,
          origin: VariableOrigin(scope: .host(name), location: location, isVarsFile: false),
          node: nil)
      }
    }
    var groups = self.groups
    if toGroups {
      for (key, value) in extraVars.values {
        groups["all"]?.fileVariables[key] = ResolvedVariable(
          value: value,
          origin: VariableOrigin(scope: .all, location: location(key), isVarsFile: true),
          node: nil)
      }
    }
    var result = ResolvedInventory(
      path: path, groups: groups, hosts: hosts, warnings: warnings, files: files,
      vaultSecrets: vaultSecrets + extraVars.secrets)
    result.extraVariables = extraVars
    result.implicitHostVariables = implicitHostVariables
    return result
  }
}
