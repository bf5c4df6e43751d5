import OrderedCollections

/// The three views of `ansible-inventory`: `--list`, `--host NAME` and `--graph`.
extension ResolvedInventory {
  /// Variables Ansible computes itself and never prints (`C.INTERNAL_STATIC_VARS`).
  static let internalVariables: Set<String> = [
    "ansible_async_path", "ansible_collection_name", "ansible_config_file",
    "ansible_dependent_role_names", "ansible_diff_mode", "ansible_facts", "ansible_forks",
    "ansible_inventory_sources", "ansible_limit", "ansible_play_batch", "ansible_play_hosts",
    "ansible_play_hosts_all", "ansible_play_role_names", "ansible_playbook_python",
    "ansible_role_name", "ansible_role_names", "ansible_run_tags", "ansible_skip_tags",
    "ansible_verbosity", "ansible_version", "inventory_dir", "inventory_file",
    "inventory_hostname", "inventory_hostname_short", "groups", "group_names", "hostvars",
    "playbook_dir", "play_hosts", "role_name", "role_names", "role_path", "role_uuid",
  ]

  /// What `ansible-inventory --list` prints: groups with hosts and children, and
  /// `_meta.hostvars` with every host's merged variables.
  public func ansibleList() -> InventoryValue {
    var results: OrderedDictionary<String, InventoryValue> = [:]
    var seen: Set<String> = []
    formatGroup("all", into: &results, seen: &seen)
    var hostvars: OrderedDictionary<String, InventoryValue> = [:]
    for name in hosts(inGroup: "all") {
      if case .map(let variables) = ansibleHost(name)!, !variables.isEmpty {
        hostvars[name] = .map(variables)
      }
    }
    results["_meta"] = .map(["hostvars": .map(hostvars), "profile": "inventory_legacy"])
    return .map(results)
  }

  private func formatGroup(
    _ name: String, into results: inout OrderedDictionary<String, InventoryValue>,
    seen: inout Set<String>
  ) {
    guard let group = groups[name] else { return }
    var entry: OrderedDictionary<String, InventoryValue> = [:]
    if name != "all", !group.hosts.isEmpty {
      entry["hosts"] = .list(group.hosts.map(InventoryValue.string))
    }
    var children: [InventoryValue] = []
    for child in group.children {
      children.append(.string(child))
      if !seen.contains(child) {
        formatGroup(child, into: &results, seen: &seen)
        seen.insert(child)
      }
    }
    if !children.isEmpty { entry["children"] = .list(children) }
    if !entry.isEmpty { results[name] = .map(entry) }
  }

  /// What `ansible-inventory --host NAME` prints (nil for an unknown host).
  public func ansibleHost(_ name: String) -> InventoryValue? {
    guard let host = hosts[name] else { return nil }
    return .map(host.values.filter { !Self.internalVariables.contains($0.key) })
  }

  /// What `ansible-inventory --graph [GROUP] [--vars]` prints (nil for an unknown group).
  public func ansibleGraph(group: String = "all", showVariables: Bool = false) -> String? {
    guard groups[group] != nil else { return nil }
    return graphLines(group, depth: 0, showVariables: showVariables).joined(separator: "\n")
  }

  private func graphLines(_ name: String, depth: Int, showVariables: Bool) -> [String] {
    let group = groups[name]!
    var lines = [Self.graphName("@\(name):", depth)]
    for child in group.children {
      lines += graphLines(child, depth: depth + 1, showVariables: showVariables)
    }
    if name != "all" {
      for host in group.hosts {
        lines.append(Self.graphName(host, depth + 1))
        if showVariables, case .map(let variables) = ansibleHost(host)! {
          lines += Self.variableLines(variables, depth: depth + 2)
        }
      }
    }
    if showVariables {
      var variables = group.variables.mapValues(\.value).filter {
        !Self.internalVariables.contains($0.key)
      }
      if group.priority != 1 { variables["ansible_group_priority"] = .int(group.priority) }
      lines += Self.variableLines(variables, depth: depth + 1)
    }
    return lines
  }

  private static func variableLines(
    _ variables: OrderedDictionary<String, InventoryValue>, depth: Int
  ) -> [String] {
    variables.keys.sorted(by: JSONText.pythonOrder).map { key in
      graphName("{\(key) = \(PythonRepr.str(variables[key]!))}", depth)
    }
  }

  private static func graphName(_ name: String, _ depth: Int) -> String {
    depth > 0 ? String(repeating: "  |", count: depth) + "--" + name : name
  }
}

/// Python's `str()` and `repr()` of JSON-like values, as `ansible-inventory --graph --vars` prints them.
enum PythonRepr {
  static func str(_ value: InventoryValue) -> String {
    if case .string(let string) = value { return string }
    return repr(value)
  }

  static func repr(_ value: InventoryValue) -> String {
    switch value {
    case .string(let string): return quote(string)
    case .int(let int): return String(int)
    case .double(let double):
      if double.isNaN { return "nan" }
      if double.isInfinite { return double < 0 ? "-inf" : "inf" }
      return "\(double)"
    case .bool(let bool): return bool ? "True" : "False"
    case .null: return "None"
    case .list(let items): return "[" + items.map(repr).joined(separator: ", ") + "]"
    case .map(let map):
      return "{" + map.map { "\(quote($0.key)): \(repr($0.value))" }.joined(separator: ", ") + "}"
    }
  }

  private static func quote(_ string: String) -> String {
    let delimiter: Character = string.contains("'") && !string.contains("\"") ? "\"" : "'"
    var output = String(delimiter)
    for character in string {
      switch character {
      case "\\": output += "\\\\"
      case "\n": output += "\\n"
      case "\r": output += "\\r"
      case "\t": output += "\\t"
      case delimiter: output += "\\" + String(delimiter)
      default: output.append(character)
      }
    }
    output.append(delimiter)
    return output
  }
}
