import Foundation
import Yams

/// Builds ``YAMLNode``s from Yams nodes, typing and checking them as Ansible's YAML loader
/// (PyYAML's `SafeConstructor` with Ansible's `!unsafe` and `!vault`) does.
struct YAMLConverter {
  let file: String
  let source: SourceText
  let hasByteOrderMark: Bool

  /// Ansible's own tags, besides YAML's standard ones.
  static let unsafeTag = "!unsafe"
  static let vaultTags: Set<String> = ["!vault", "!vault-encrypted"]

  mutating func convert(
    _ node: Node, after previous: (line: Int, column: Int)? = nil, unsafe: Bool = false
  ) throws(InventoryError) -> YAMLNode {
    var mark = (line: node.mark?.line ?? 1, column: node.mark?.column ?? 1)
    // libyaml counts a byte order mark as column 1 of line 1; editors do not.
    if hasByteOrderMark, mark.line == 1 { mark.column -= 1 }
    let start = source.contentStart(line: mark.line, column: mark.column)
    // Yams hands back the anchored node itself for an alias, with the anchor's position.
    var isAlias = false
    if let previous, (mark.line, mark.column) < previous { isAlias = true }
    let at = SourceLocation(file: file, line: mark.line, column: mark.column)
    switch node {
    case .scalar(let scalar):
      let converted = try convertScalar(scalar, at: at, unsafe: unsafe)
      return YAMLNode(
        content: .scalar(converted), line: mark.line, column: mark.column, isFlow: false,
        isAnchored: start.anchored, isAlias: isAlias)
    case .sequence(let sequence):
      let inner = try collectionTag(sequence.tag.rawValue, standard: "seq", at: at) || unsafe
      var items: [YAMLNode] = []
      for item in sequence {
        items.append(try convert(item, after: (mark.line, mark.column), unsafe: inner))
      }
      return YAMLNode(
        content: .sequence(items), line: mark.line, column: mark.column,
        isFlow: start.scalar == "[", isAnchored: start.anchored, isAlias: isAlias)
    case .mapping(let mapping):
      let inner = try collectionTag(mapping.tag.rawValue, standard: "map", at: at) || unsafe
      var entries: [YAMLEntry] = []
      for (key, value) in mapping {
        let keyNode = try convert(key, unsafe: inner)
        let valueNode = try convert(value, after: (keyNode.line, keyNode.column), unsafe: inner)
        let isMerge =
          keyNode.scalar.map { $0.text == "<<" && $0.style == .plain && $0.tag == nil } ?? false
        entries.append(
          YAMLEntry(
            key: keyNode, name: keyNode.ansibleValue.jsonKey,
            keyIsString: keyNode.ansibleValue.isString, value: valueNode, isMerge: isMerge))
      }
      try checkKeys(entries)
      return YAMLNode(
        content: .mapping(entries), line: mark.line, column: mark.column,
        isFlow: start.scalar == "{", isAnchored: start.anchored, isAlias: isAlias)
    case .alias:
      throw error("yaml-alias", at: at, "unsupported YAML alias")
    }
  }

  /// Checks a collection's tag; true for `!unsafe` (its strings are not to be templated).
  private func collectionTag(_ tag: String, standard: String, at: SourceLocation)
    throws(InventoryError) -> Bool
  {
    switch tag {
    case "", "?", "!", "tag:yaml.org,2002:\(standard)": return false
    case "tag:yaml.org,2002:python/dict" where standard == "map": return false
    case Self.unsafeTag: return true
    case _ where Self.vaultTags.contains(tag):
      throw error(
        "yaml-tag", at: at, "the '\(tag)' tag requires a string value (Ansible rejects it too)",
        remedy: "encrypt one string per variable: `ansible-vault encrypt_string`")
    default:
      throw unsupportedTag(tag, at: at)
    }
  }

  func convertScalar(_ scalar: Node.Scalar, at: SourceLocation, unsafe: Bool)
    throws(InventoryError) -> YAMLScalar
  {
    let style: YAMLScalar.Style
    switch scalar.style {
    case .singleQuoted: style = .singleQuoted
    case .doubleQuoted: style = .doubleQuoted
    case .literal: style = .literal
    case .folded: style = .folded
    case .plain, .any: style = .plain
    }
    // libyaml reports quoted scalars without a tag as `!!str`, and Yams fills in the tag of
    // mapping keys when it checks them for duplicates: trust only a tag written in the text.
    let tagName = scalar.tag.rawValue
    let explicitTag: String? = hasTag(at.line, at.column) && !tagName.isEmpty ? tagName : nil
    var value: AnsibleValue
    do {
      switch explicitTag {
      case nil:
        value =
          style == .plain ? try ScalarResolver.resolvePlain(scalar.string) : .string(scalar.string)
      // Ansible builds these from the scalar typed as if it were plain, quoted or not: `! "12"`
      // and `!unsafe "yes"` are 12 and true.
      case "!":
        value = try ScalarResolver.resolvePlain(scalar.string)
      case Self.unsafeTag:
        value = try ScalarResolver.resolvePlain(scalar.string)
        if case .string(let string) = value { value = .unsafe(string) }
      case let tag? where Self.vaultTags.contains(tag):
        guard case .string(let ciphertext) = try ScalarResolver.resolvePlain(scalar.string) else {
          throw error(
            "yaml-tag", at: at, "the '\(tag)' tag requires a string value (Ansible rejects it too)")
        }
        value = .vault(VaultedString(ciphertext: ciphertext, plaintext: nil, location: at))
      case let tag?
      where tag.hasPrefix("tag:yaml.org,2002:") && Self.standardScalarTags.contains(tag):
        value = try ScalarResolver.resolve(scalar.string, tag: tag)
      case let tag?:
        throw unsupportedTag(tag, at: at)
      }
    } catch let problem as ScalarResolver.Problem {
      throw error(
        "yaml-value", at: at,
        "cannot read '\(scalar.string)': \(problem.message) (Ansible rejects the file too)",
        remedy: "quote it to keep it a string: \"\(scalar.string)\"")
    } catch let failure as InventoryError {
      throw failure
    } catch {
      throw self.error("yaml-value", at: at, "cannot read '\(scalar.string)': \(error)")
    }
    if unsafe, case .string(let string) = value { value = .unsafe(string) }
    return YAMLScalar(text: scalar.string, style: style, tag: explicitTag, value: value)
  }

  static let standardScalarTags: Set<String> = [
    "tag:yaml.org,2002:str", "tag:yaml.org,2002:python/unicode", "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float", "tag:yaml.org,2002:bool", "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:timestamp",
  ]

  /// A mapping as PyYAML accepts it: hashable keys, `<<` followed by mappings, no key twice
  /// once typed (`1` and `yes` are the same key to Python).
  private func checkKeys(_ entries: [YAMLEntry]) throws(InventoryError) {
    var seen: [PythonKey: YAMLEntry] = [:]
    for entry in entries {
      let at = SourceLocation(file: file, line: entry.key.line, column: entry.key.column)
      if entry.isMerge {
        let sources = entry.value.items ?? [entry.value]
        for source in sources where source.entries == nil {
          throw error(
            "yaml-merge", at: SourceLocation(file: file, line: source.line, column: source.column),
            "expected a mapping or list of mappings for merging, found "
              + (source.value.typeName == "integer" ? "an " : "a ") + source.value.typeName
              + " (Ansible rejects the file too)",
            remedy: "merge with `<<: *anchor` where the anchor names a mapping")
        }
        continue
      }
      let key = entry.key.ansibleValue
      guard key.isHashable else {
        throw error(
          "yaml-key", at: at,
          "a \(key.inventoryValue.typeName) cannot be a mapping key "
            + "(Ansible rejects the file: found unhashable key)",
          remedy: "use a string as the key")
      }
      if let first = seen[PythonKey(key)] {
        throw error(
          "duplicate-key", subject: entry.name, at: at,
          "duplicate key '\(entry.key.scalar?.text ?? entry.name)': once typed it is the same key as "
            + "'\(first.key.scalar?.text ?? first.name)' on line \(first.key.line) "
            + "(Ansible warns and keeps the last value)",
          remedy: "remove one of the two entries, or quote the keys to keep them strings")
      }
      seen[PythonKey(key)] = entry
    }
  }

  /// True when the text at a mark starts with an explicit tag.
  func hasTag(_ line: Int, _ column: Int) -> Bool {
    var index = column
    while let scalar = source.scalar(line: line, column: index), scalar == "&" {
      while let next = source.scalar(line: line, column: index), next != " " { index += 1 }
      while source.scalar(line: line, column: index) == " " { index += 1 }
    }
    return source.scalar(line: line, column: index) == "!"
  }

  private func unsupportedTag(_ tag: String, at: SourceLocation) -> InventoryError {
    let shown = tag.replacingOccurrences(of: "tag:yaml.org,2002:", with: "!!")
    return error(
      "yaml-tag", at: at,
      "the tag \(shown) is not supported (Ansible rejects unknown tags; !!binary, !!set, !!omap "
        + "and !!pairs have no JSON form)",
      remedy: "remove the tag, or use !unsafe, !vault or a standard tag (!!str, !!int, ...)")
  }

  private func error(
    _ code: String, subject: String = "", at location: SourceLocation, _ message: String,
    remedy: String? = nil
  ) -> InventoryError {
    InventoryError(
      InventoryDiagnostic(
        .error, code: code, subject: subject, at: location, message, remedy: remedy))
  }
}
