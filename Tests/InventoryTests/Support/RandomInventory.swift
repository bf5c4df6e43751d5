import Foundation

/// A random YAML inventory for the parity property test: groups defined in several places and
/// nested without loops, hosts from plain names, ranges and ports, variables at every level
/// (`all`, groups, hosts, `group_vars/`, `host_vars/`, priorities) whose values are YAML text,
/// tricky scalars included (`yes`, `017`, `1e3`, dates, big integers, `!unsafe`).
///
/// It never holds what cluster-mgr refuses on purpose (duplicate keys, unknown keys in a group,
/// hosts named like groups): those are ``DeliberateDifferenceTests``.
struct RandomInventory: Sendable, CustomStringConvertible {
  /// One place a group is written: its variables, hosts and nested definitions.
  struct Definition: Sendable {
    var group: String
    var vars: [Variable] = []
    var hosts: [HostEntry] = []
    var children: [Definition] = []
  }

  /// A host key (`node[1:3]:2222`) with the variables written under it.
  struct HostEntry: Sendable {
    var key: String
    var vars: [Variable] = []
  }

  /// A variable: its name and its value as YAML text.
  struct Variable: Sendable {
    var name: String
    var yaml: String
  }

  var definitions: [Definition] = []
  /// `group_vars/NAME.yml` and `host_vars/NAME.yml` contents.
  var groupVars: [(name: String, vars: [Variable])] = []
  var hostVars: [(name: String, vars: [Variable])] = []

  static let groupNames = [
    "all", "k3s_cluster", "control_plane", "workers", "gpu", "site_a", "site_b", "rack-1", "edge",
    "ungrouped",
  ]
  static let hostKeys = [
    "nuc", "desk", "pi", "box", "node[1:3]", "node2", "pi[a:c]", "box[01:03]", "gw:2222",
    "node[2:4]:2200", "10.0.0.[1:2]", "10.0.0.1", "[fe80::1]:2022", "srv-[x:z].lan", "db[0:6:3]",
  ]
  static let hostNames = ["nuc", "desk", "pi", "node1", "node3", "pia", "box02", "gw", "10.0.0.2"]
  static let variableNames = [
    "ansible_user", "ansible_port", "port", "labels", "flag", "count", "ratio", "note", "when",
    "k3s_version", "list", "ansible_host",
  ]
  static let scalars = [
    "plain", "'quoted'", "\"double\"", "yes", "No", "on", "OFF", "y", "~", "null", "", "1",
    "-7", "017", "09", "0x1F", "0b101", "1_000", "1:30", "1e3", "1.5e+3", "1.0", ".5", "-.5",
    ".inf", "1.10", "2024-02-29", "2024-01-02 10:11:12.5 +02:00", "2001-12-14T21:59:43Z",
    "123456789012345678901234567890", "-98765432109876543210", "!unsafe '{{ raw }}'",
    "!!str 12", "'it''s'", "\"tab\\there\"", "v1.31.4+k3s1", "100.64.0.7", "ünï ✓",
  ]
  static let mapKeys = ["a", "b", "zone", "7", "2.5", "null"]

  // MARK: - Generating

  static func random(_ random: inout SplitMix) -> RandomInventory {
    var inventory = RandomInventory()
    for _ in 0..<random.int(1...3) {
      let rank = random.int(0...(groupNames.count - 1))
      inventory.definitions.append(definition(rank: rank, depth: 0, &random))
    }
    for name in groupNames where random.chance(0.25) {
      inventory.groupVars.append((name, variables(&random, count: random.int(0...3))))
    }
    for name in hostNames where random.chance(0.15) {
      inventory.hostVars.append((name, variables(&random, count: random.int(0...3))))
    }
    return inventory
  }

  private static func definition(rank: Int, depth: Int, _ random: inout SplitMix) -> Definition {
    var definition = Definition(group: groupNames[rank])
    if random.chance(0.5) { definition.vars = variables(&random, count: random.int(1...3)) }
    if random.chance(0.2), rank > 0 {
      definition.vars.append(
        Variable(name: "ansible_group_priority", yaml: String(random.int(0...4))))
    }
    var usedKeys: Set<String> = []
    for _ in 0..<random.int(0...3) {
      let key = random.pick(hostKeys)
      guard usedKeys.insert(key).inserted else { continue }
      let vars = random.chance(0.5) ? variables(&random, count: random.int(1...3)) : []
      definition.hosts.append(HostEntry(key: key, vars: vars))
    }
    // Children rank after their parent: no loops.
    if depth < 3, rank < groupNames.count - 1 {
      var usedChildren: Set<String> = []
      for _ in 0..<random.int(0...2) {
        let child = random.int((rank + 1)...(groupNames.count - 1))
        guard groupNames[child] != "ungrouped" || random.chance(0.3),
          usedChildren.insert(groupNames[child]).inserted
        else { continue }
        definition.children.append(self.definition(rank: child, depth: depth + 1, &random))
      }
    }
    return definition
  }

  private static func variables(_ random: inout SplitMix, count: Int) -> [Variable] {
    var names: [String] = []
    for _ in 0..<count {
      let name = random.pick(variableNames)
      if !names.contains(name) { names.append(name) }
    }
    return names.map { Variable(name: $0, yaml: value(&random, depth: 0)) }
  }

  private static func value(_ random: inout SplitMix, depth: Int) -> String {
    let roll = random.int(0...9)
    if depth < 2, roll == 0 {
      var keys: [String] = []
      for _ in 0..<random.int(0...3) {
        let key = random.pick(mapKeys)
        if !keys.contains(key) { keys.append(key) }
      }
      return "{"
        + keys.map { "\($0): \(flowValue(&random, depth: depth + 1))" }
        .joined(separator: ", ") + "}"
    }
    if depth < 2, roll == 1 {
      return "["
        + (0..<random.int(0...3)).map { _ in flowValue(&random, depth: depth + 1) }
        .joined(separator: ", ") + "]"
    }
    return random.pick(scalars)
  }

  /// A value that may stand inside `{...}` or `[...]` (no empty plain scalar there).
  private static func flowValue(_ random: inout SplitMix, depth: Int) -> String {
    let text = value(&random, depth: depth)
    return text.isEmpty ? "''" : text
  }

  // MARK: - Writing

  /// Writes the inventory (`hosts.yml`, `group_vars/`, `host_vars/`) into `directory`.
  func write(to directory: String) throws {
    let manager = FileManager.default
    try manager.createDirectory(atPath: directory, withIntermediateDirectories: true)
    try Data(hostsYAML.utf8).write(to: URL(fileURLWithPath: directory + "/hosts.yml"))
    for (folder, files) in [("group_vars", groupVars), ("host_vars", hostVars)] where !files.isEmpty
    {
      try manager.createDirectory(
        atPath: directory + "/" + folder, withIntermediateDirectories: true)
      for (name, vars) in files {
        let text = vars.map { "\($0.name): \($0.yaml)" }.joined(separator: "\n") + "\n"
        try Data(text.utf8).write(to: URL(fileURLWithPath: "\(directory)/\(folder)/\(name).yml"))
      }
    }
  }

  var hostsYAML: String {
    // Top-level definitions of one group merge into one key (a key written twice is an error).
    var merged: [Definition] = []
    for definition in definitions {
      if let index = merged.firstIndex(where: { $0.group == definition.group }) {
        merged[index].vars += definition.vars
        merged[index].hosts += definition.hosts
        merged[index].children += definition.children
      } else {
        merged.append(definition)
      }
    }
    var lines: [String] = []
    for definition in merged { lines += Self.render(definition, indent: 0) }
    return lines.joined(separator: "\n") + "\n"
  }

  private static func render(_ definition: Definition, indent: Int) -> [String] {
    let pad = String(repeating: " ", count: indent)
    let inner = pad + "  "
    var lines = [pad + quotedKey(definition.group) + ":"]
    let vars = unique(definition.vars, by: \.name)
    if !vars.isEmpty {
      lines.append(inner + "vars:")
      lines += vars.map { inner + "  " + $0.name + ": " + $0.yaml }
    }
    let hosts = unique(definition.hosts, by: \.key)
    if !hosts.isEmpty {
      lines.append(inner + "hosts:")
      for host in hosts {
        let hostVars = unique(host.vars, by: \.name)
        lines.append(inner + "  " + quotedKey(host.key) + ":")
        lines += hostVars.map { inner + "    " + $0.name + ": " + $0.yaml }
      }
    }
    let children = unique(definition.children, by: \.group)
    if !children.isEmpty {
      lines.append(inner + "children:")
      for child in children { lines += render(child, indent: indent + 4) }
    }
    return lines
  }

  /// The first of each key (a mapping holds a key once).
  private static func unique<T, Key: Hashable>(_ items: [T], by key: (T) -> Key) -> [T] {
    var seen: Set<Key> = []
    return items.filter { seen.insert(key($0)).inserted }
  }

  private static func quotedKey(_ key: String) -> String {
    key.hasPrefix("[") ? "\"\(key)\"" : key
  }

  var description: String {
    var text = "hosts.yml:\n" + hostsYAML
    for (name, vars) in groupVars {
      text += "group_vars/\(name).yml:\n" + vars.map { "\($0.name): \($0.yaml)\n" }.joined()
    }
    for (name, vars) in hostVars {
      text += "host_vars/\(name).yml:\n" + vars.map { "\($0.name): \($0.yaml)\n" }.joined()
    }
    return text
  }

  // MARK: - Shrinking

  /// Smaller inventories, each one step away: a definition, host, child or variable fewer, a
  /// variable's value replaced by a plain one, a vars file fewer.
  var shrunk: [RandomInventory] {
    var candidates: [RandomInventory] = []
    for index in definitions.indices {
      var copy = self
      copy.definitions.remove(at: index)
      if !copy.definitions.isEmpty { candidates.append(copy) }
    }
    for path in Self.definitionPaths(definitions) {
      let definition = Self.definition(at: path, in: definitions)
      for index in definition.hosts.indices {
        candidates.append(modified(path) { $0.hosts.remove(at: index) })
        for variable in definition.hosts[index].vars.indices {
          candidates.append(modified(path) { $0.hosts[index].vars.remove(at: variable) })
        }
      }
      for index in definition.children.indices {
        candidates.append(modified(path) { $0.children.remove(at: index) })
      }
      for index in definition.vars.indices {
        candidates.append(modified(path) { $0.vars.remove(at: index) })
        if definition.vars[index].yaml != "plain" {
          candidates.append(modified(path) { $0.vars[index].yaml = "plain" })
        }
      }
    }
    for index in groupVars.indices {
      var copy = self
      copy.groupVars.remove(at: index)
      candidates.append(copy)
    }
    for index in hostVars.indices {
      var copy = self
      copy.hostVars.remove(at: index)
      candidates.append(copy)
    }
    return candidates
  }

  private static func definitionPaths(_ definitions: [Definition], prefix: [Int] = []) -> [[Int]] {
    definitions.indices.flatMap { index in
      [prefix + [index]] + definitionPaths(definitions[index].children, prefix: prefix + [index])
    }
  }

  private static func definition(at path: [Int], in definitions: [Definition]) -> Definition {
    var current = definitions[path[0]]
    for index in path.dropFirst() { current = current.children[index] }
    return current
  }

  private func modified(_ path: [Int], _ change: (inout Definition) -> Void) -> RandomInventory {
    var copy = self
    func apply(_ definitions: inout [Definition], _ rest: ArraySlice<Int>) {
      guard let first = rest.first else { return }
      if rest.count == 1 {
        change(&definitions[first])
      } else {
        apply(&definitions[first].children, rest.dropFirst())
      }
    }
    apply(&copy.definitions, path[...])
    return copy
  }
}
