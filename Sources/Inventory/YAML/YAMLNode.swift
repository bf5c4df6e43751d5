import OrderedCollections

/// A parsed YAML node with the position where it starts; the loader and the editor share it.
struct YAMLNode: Sendable {
  indirect enum Content: Sendable {
    case scalar(YAMLScalar)
    case mapping([YAMLEntry])
    case sequence([YAMLNode])
  }

  var content: Content
  /// 1-based line of the node's first character (its anchor or tag, when it has one).
  var line: Int
  /// 1-based column, in Unicode scalars.
  var column: Int
  /// Written in flow style (`{...}` or `[...]`).
  var isFlow: Bool
  /// Carries an anchor (`&name`): other places may alias it.
  var isAnchored: Bool
  /// An alias (`*name`): its content lives elsewhere in the file.
  var isAlias: Bool

  var entries: [YAMLEntry]? {
    if case .mapping(let entries) = content { return entries }
    return nil
  }

  var scalar: YAMLScalar? {
    if case .scalar(let scalar) = content { return scalar }
    return nil
  }

  var items: [YAMLNode]? {
    if case .sequence(let items) = content { return items }
    return nil
  }

  /// True for a scalar that reads as null (`~`, `null`, or nothing at all).
  var isNull: Bool {
    guard let scalar else { return false }
    if case .null = scalar.value { return true }
    return false
  }

  /// True for an empty scalar: the key is followed by nothing (`hosts:`).
  var isEmptyScalar: Bool {
    guard let scalar else { return false }
    return scalar.text.isEmpty && scalar.style == .plain && scalar.tag == nil
  }

  /// The entry for `key`, when this is a mapping that has it (explicit entries only).
  func entry(_ key: String) -> YAMLEntry? {
    entries?.first { $0.name == key && !$0.isMerge }
  }

  /// The value as Ansible sees it: scalars typed as PyYAML does, merge keys (`<<`) applied.
  var value: InventoryValue { ansibleValue.inventoryValue }

  /// The value as Ansible's loader builds it, with the distinctions its output keeps (see
  /// ``AnsibleValue``).
  var ansibleValue: AnsibleValue {
    switch content {
    case .scalar(let scalar): return scalar.value
    case .sequence(let items): return .list(items.map(\.ansibleValue))
    case .mapping:
      var mapping = AnsibleMapping()
      for entry in mergedEntries ?? [] {
        mapping[entry.key.ansibleValue] = entry.value.ansibleValue
      }
      return .map(mapping)
    }
  }

  /// The entries of a mapping as PyYAML builds the mapping: the entries of merged mappings
  /// (`<<`) first (of a list `<<: [*a, *b]`, the first mapping wins), then the explicit ones; a
  /// key set again keeps its place and takes the new value, as in a Python `dict`.
  var mergedEntries: [YAMLEntry]? {
    guard let entries else { return nil }
    guard entries.contains(where: \.isMerge) else { return entries }
    var result: [YAMLEntry] = []
    var positions: [PythonKey: Int] = [:]
    func put(_ entry: YAMLEntry) {
      let key = PythonKey(entry.key.ansibleValue)
      if let index = positions[key] {
        result[index] = entry
      } else {
        positions[key] = result.count
        result.append(entry)
      }
    }
    for entry in entries where entry.isMerge {
      let sources: [YAMLNode] = entry.value.items ?? [entry.value]
      for source in sources.reversed() {
        for merged in source.mergedEntries ?? [] { put(merged) }
      }
    }
    for entry in entries where !entry.isMerge { put(entry) }
    return result
  }
}

/// A scalar as written and as typed.
struct YAMLScalar: Sendable {
  enum Style: Sendable {
    case plain, singleQuoted, doubleQuoted, literal, folded
  }

  /// The scalar's content after YAML unescaping.
  var text: String
  var style: Style
  /// The explicit tag (`tag:yaml.org,2002:str` for `!!str`), nil when there is none.
  var tag: String?
  /// The typed value.
  var value: AnsibleValue
}

/// One `key: value` pair of a mapping.
struct YAMLEntry: Sendable {
  var key: YAMLNode
  /// The key as a string (non-string keys spelled as JSON spells them).
  var name: String
  /// True when the key is a string in YAML terms (quoted or plain text that types as a string).
  var keyIsString: Bool
  var value: YAMLNode
  /// A YAML merge key (`<<: *anchor`).
  var isMerge: Bool
}
