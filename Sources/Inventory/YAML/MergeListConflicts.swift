import OrderedCollections

extension YAMLDocument {
  /// Warnings for merge lists (`<<: [*a, *b]`) whose mappings set the same key to different values.
  ///
  /// cluster-mgr follows the YAML merge rule (the first mapping of the list wins), as PyYAML 6.0.2
  /// and earlier do. PyYAML 6.0.3 and later keep a key of a later mapping unless it is the same
  /// Python object as an earlier one, so Ansible then usually takes the *later* value (and warns
  /// about a duplicate key): the result depends on the PyYAML next to Ansible. These keys are named
  /// so the author can write the value once.
  func mergeListConflicts() -> [InventoryDiagnostic] {
    guard let root else { return [] }
    var warnings: [InventoryDiagnostic] = []
    collectMergeListConflicts(root, into: &warnings)
    return warnings
  }

  private func collectMergeListConflicts(
    _ node: YAMLNode, into warnings: inout [InventoryDiagnostic]
  ) {
    guard !node.isAlias else { return }
    switch node.content {
    case .scalar: return
    case .sequence(let items):
      for item in items { collectMergeListConflicts(item, into: &warnings) }
    case .mapping(let entries):
      let explicit = Set(entries.filter { !$0.isMerge }.map(\.name))
      for entry in entries {
        if entry.isMerge, let sources = entry.value.items, sources.count > 1 {
          warnings += conflicts(in: sources, explicit: explicit, at: entry)
        }
        collectMergeListConflicts(entry.value, into: &warnings)
      }
    }
  }

  private func conflicts(in sources: [YAMLNode], explicit: Set<String>, at entry: YAMLEntry)
    -> [InventoryDiagnostic]
  {
    var first: OrderedDictionary<String, InventoryValue> = [:]
    var later: OrderedDictionary<String, InventoryValue> = [:]
    for source in sources {
      guard case .map(let map) = source.value else { continue }
      for (key, value) in map where !explicit.contains(key) {
        if let taken = first[key] {
          if taken != value, later[key] == nil { later[key] = value }
        } else {
          first[key] = value
        }
      }
    }
    return later.map { key, value in
      let taken = JSONText.compact(first[key]!)
      let other = JSONText.compact(value)
      return InventoryDiagnostic(
        .warning, code: "merge-list-conflict", subject: key, at: location(entry.key),
        "'\(key)' is set by more than one mapping of this merge list: cluster-mgr takes the first, "
          + "\(taken) (the YAML merge rule, and Ansible's with PyYAML 6.0.2 or earlier); Ansible "
          + "with PyYAML 6.0.3 or later usually takes the last, \(other)",
        remedy: "set '\(key)' once: in only one of the merged mappings, or explicitly next to <<")
    }
  }
}
