import Foundation
import OrderedCollections

/// Builds groups and hosts from a YAML inventory, following Ansible's `yaml` inventory plugin and
/// `InventoryData` step by step.
///
/// Where Ansible only warns about a malformed entry (a group that is not a mapping, an unknown key
/// in a group) or resolves a name two ways (variables of a host named like a group), this builder
/// stops with an error that says what Ansible would do.
struct InventoryBuilder {
  var groups: OrderedDictionary<String, InventoryGroup> = [:]
  var hosts: OrderedDictionary<String, InventoryHost> = [:]
  var warnings: [InventoryDiagnostic] = []

  init() {
    groups["all"] = InventoryGroup(name: "all", location: nil)
    groups["ungrouped"] = InventoryGroup(name: "ungrouped", location: nil)
    try? addChild("ungrouped", to: "all", at: nil)
  }

  // MARK: - Parsing (plugins/inventory/yaml.py)

  mutating func parse(_ document: YAMLDocument) throws(InventoryError) {
    let file = document.file
    guard let root = document.root, !root.ansibleValue.isFalsy else {
      throw error(
        "empty-inventory", at: SourceLocation(file: file, line: 1, column: 1),
        "the inventory is empty", remedy: "start from one of the examples in inventory/")
    }
    guard let entries = root.mergedEntries else {
      throw error(
        "wrong-type", at: document.location(root),
        "an inventory must be a mapping of groups (all:, children:, hosts:), found a \(root.value.typeName)"
      )
    }
    if let plugin = entries.first(where: { $0.name == "plugin" && $0.keyIsString }),
      !plugin.value.ansibleValue.isFalsy
    {
      throw error(
        "plugin-inventory", at: document.location(plugin.key),
        "this is an inventory plugin configuration, not a YAML inventory",
        remedy: "export it with `ansible-inventory -i \(file) --list -y > hosts.yml` first")
    }
    for entry in entries {
      try checkStringKey(
        Member(
          name: entry.name, key: entry.key, value: entry.value, keyIsString: entry.keyIsString),
        kind: "group name", document)
      try parseGroup(entry.name, key: entry.key, node: entry.value, topLevel: true, document)
    }
    try reconcile()
  }

  private mutating func parseGroup(
    _ name: String, key: YAMLNode, node: YAMLNode, topLevel: Bool = false,
    _ document: YAMLDocument
  ) throws(InventoryError) {
    guard node.entries != nil || node.isNull else {
      throw error(
        "wrong-type", subject: name, at: document.location(node),
        "group '\(name)' must be a mapping with vars, children or hosts, found a \(node.value.typeName) "
          + (topLevel
            ? "(Ansible skips it with a warning: \"not a valid group definition\")"
            : "(Ansible skips its definition, then fails unless a host or group of that name exists)"),
        remedy: "check the indentation of the lines below '\(name):'")
    }
    guard !name.isEmpty else {
      throw error(
        "empty-name", at: document.location(key), "a group name cannot be empty",
        remedy: "name the group")
    }
    addGroup(name, at: document.location(key))
    guard let entries = node.mergedEntries else { return }
    for entry in entries {
      let section = entry.name
      guard ["vars", "children", "hosts"].contains(section), entry.keyIsString else {
        throw error(
          "unexpected-key", subject: "\(name).\(section)", at: document.location(entry.key),
          "unexpected key '\(section)' in group '\(name)': a group may only contain vars, children "
            + "and hosts (Ansible skips it with a warning, so what is below it is ignored)",
          remedy: "indent '\(section)' under hosts:, children: or vars: (or remove it)")
      }
      let value = entry.value
      // Ansible accepts a single string where a mapping is expected: `hosts: web1`.
      var members: [Member] = []
      if let scalar = value.scalar, let single = scalar.value.stringValue {
        members = [Member(name: single, key: value, value: nil, keyIsString: true)]
      } else if let sectionEntries = value.mergedEntries {
        for member in sectionEntries {
          members.append(
            Member(
              name: member.name, key: member.key, value: member.value,
              keyIsString: member.keyIsString))
        }
      } else if !value.isNull {
        throw error(
          "wrong-type", subject: "\(name).\(section)", at: document.location(value),
          "'\(section)' of group '\(name)' must be a mapping, found a \(value.value.typeName)",
          remedy: section == "vars"
            ? "write variables as `name: value` lines under vars:"
            : "write one `name:` line per entry under \(section): (not a list)")
      }
      switch section {
      case "vars":
        try setGroupVariables(name, node: value, document)
      case "children":
        for member in members {
          try checkStringKey(member, kind: "group name", document)
          let child = member.value ?? YAMLNode.nullNode(at: member.key)
          try parseGroup(member.name, key: member.key, node: child, document)
          try addChild(member.name, to: name, at: document.location(member.key))
        }
      default:
        for member in members {
          try checkStringKey(member, kind: "host name", document)
          try parseHost(member.name, key: member.key, node: member.value, group: name, document)
        }
      }
    }
  }

  /// One name under `children:` or `hosts:`.
  private struct Member {
    var name: String
    var key: YAMLNode
    var value: YAMLNode?
    var keyIsString: Bool
  }

  private mutating func setGroupVariables(
    _ group: String, node: YAMLNode, _ document: YAMLDocument
  ) throws(InventoryError) {
    if let scalar = node.scalar, let name = scalar.value.stringValue {
      setGroupVariable(
        group, name,
        ResolvedVariable(
          value: AnsibleValue.null,
          origin: VariableOrigin(
            scope: .group(group), location: document.location(node), isVarsFile: false),
          node: nil))
      return
    }
    for (name, variable) in Self.variables(of: node, scope: .group(group), document, file: false) {
      if name == "ansible_group_priority" {
        guard let priority = Self.integer(variable.ansibleValue) else {
          throw error(
            "wrong-type", subject: name, at: variable.origin.location,
            "ansible_group_priority must be an integer, found \(variable.value)")
        }
        groups[group]?.priority = priority
      } else {
        setGroupVariable(group, name, variable)
      }
    }
  }

  private mutating func setGroupVariable(
    _ group: String, _ name: String, _ variable: ResolvedVariable
  ) {
    groups[group]?.inlineVariables[name] = variable
  }

  private mutating func parseHost(
    _ key: String, key keyNode: YAMLNode, node: YAMLNode?, group: String, _ document: YAMLDocument
  ) throws(InventoryError) {
    let location = document.location(keyNode)
    let expansion: (names: [String], port: AnsibleValue?)
    do {
      expansion = try HostKeyExpansion.expand(key)
    } catch {
      throw self.error(
        "host-range", subject: key, at: location,
        "invalid host range '\(key)': \(error.message) "
          + (error.ansibleRejects
            ? "(Ansible rejects the file too)" : "(Ansible would create them all)"))
    }
    // Ansible treats every "falsy" value (nothing, "", 0, false, []) as no variables.
    var variables: [(String, ResolvedVariable)] = []
    if let node, node.entries != nil {
      variables = Self.variables(of: node, scope: .host(key), document, file: false)
    } else if let node, !node.ansibleValue.isFalsy {
      throw error(
        "wrong-type", subject: key, at: document.location(node),
        "host '\(key)' must be followed by a mapping of variables, found a \(node.value.typeName)",
        remedy: "write the host's variables as `name: value` lines indented under '\(key):'")
    }
    for name in expansion.names {
      guard !name.isEmpty else {
        throw error(
          "empty-name", at: location, "a host name cannot be empty", remedy: "name the host")
      }
      if hosts[name] == nil {
        var host = InventoryHost(name: name, location: location)
        if let port = expansion.port {
          host.inlineVariables["ansible_port"] = ResolvedVariable(
            value: port,
            origin: VariableOrigin(scope: .host(name), location: location, isVarsFile: false),
            node: nil)
        }
        hosts[name] = host
      }
      addHost(name, to: group)
      if !variables.isEmpty, groups[name] != nil {
        // Ansible's set_variable looks for a group of that name first.
        throw error(
          "host-group-name", subject: name, at: location,
          "the variables written under host '\(name)' would go to the group '\(name)' in Ansible "
            + "(a name that is a group is a group first), applying to all of that group's hosts; "
            + "cluster-mgr refuses to guess",
          remedy:
            "rename the host or the group, or put the host's variables in host_vars/\(name).yml")
      }
      for (variableName, variable) in variables {
        var scoped = variable
        scoped.origin.scope = .host(name)
        hosts[name]?.inlineVariables[variableName] = scoped
      }
    }
  }

  // MARK: - Inventory data (inventory/data.py, group.py)

  private mutating func addGroup(_ name: String, at location: SourceLocation) {
    if groups[name] == nil {
      groups[name] = InventoryGroup(name: name, location: location)
    } else if groups[name]?.location == nil, name != "all", name != "ungrouped" {
      groups[name]?.location = location
    }
  }

  /// `Group.add_host`: the host joins the group and, in its memberships (Ansible's
  /// `host.groups`), the group and its ancestors.
  private mutating func addHost(_ host: String, to group: String) {
    guard groups[group]?.hosts.contains(host) == false else { return }
    groups[group]?.hosts.append(host)
    hosts[host]?.groups.append(group)
    for ancestor in ancestors(of: group) { addMembership(ancestor, of: host) }
    addMembership(group, of: host)
  }

  private mutating func addMembership(_ group: String, of host: String) {
    if hosts[host]?.memberships.contains(group) == false { hosts[host]?.memberships.append(group) }
  }

  /// `Group.remove_host` and `Host.remove_group`: the group leaves the host's memberships, and
  /// so does each ancestor (but `all`) that no remaining membership has as an ancestor, exactly
  /// as Ansible decides it (a group the host is directly in can go too).
  private mutating func removeHost(_ host: String, from group: String) {
    groups[group]?.hosts.removeAll { $0 == host }
    hosts[host]?.groups.removeAll { $0 == group }
    removeMembership(group, of: host)
  }

  private mutating func removeMembership(_ group: String, of host: String) {
    guard hosts[host]?.memberships.contains(group) == true else { return }
    hosts[host]?.memberships.removeAll { $0 == group }
    for ancestor in ancestors(of: group) where ancestor != "all" {
      let stillNeeded = (hosts[host]?.memberships ?? []).contains {
        ancestors(of: $0).contains(ancestor)
      }
      if !stillNeeded { removeMembership(ancestor, of: host) }
    }
  }

  mutating func addChild(_ child: String, to parent: String, at location: SourceLocation?)
    throws(InventoryError)
  {
    guard child != parent else {
      throw error(
        "group-loop", subject: child, at: location, "group '\(child)' cannot be its own child")
    }
    guard groups[parent]?.children.contains(child) == false else { return }
    var newAncestors = ancestors(of: parent)
    if newAncestors.contains(child) {
      throw error(
        "group-loop", subject: child, at: location,
        "adding group '\(child)' as a child of '\(parent)' creates a loop")
    }
    newAncestors.insert(parent)
    newAncestors.subtract(ancestors(of: child))
    groups[parent]?.children.append(child)
    if groups[child]?.parents.contains(parent) == false {
      groups[child]?.parents.append(parent)
      // `Host.populate_ancestors`: the hosts below the child gain the new ancestors.
      for host in hosts(below: child) {
        for ancestor in newAncestors { addMembership(ancestor, of: host) }
      }
    }
  }

  func ancestors(of group: String) -> Set<String> {
    var seen: Set<String> = []
    var pending = groups[group]?.parents ?? []
    while let next = pending.popLast() {
      if seen.insert(next).inserted { pending += groups[next]?.parents ?? [] }
    }
    return seen
  }

  /// `InventoryData.reconcile_inventory`: parentless groups join `all`; hosts in no group
  /// join `ungrouped`; the depth of every group is settled.
  private mutating func reconcile() throws(InventoryError) {
    for name in groups.keys where name != "all" && groups[name]!.parents.isEmpty {
      try addChild(name, to: "all", at: nil)
    }
    for name in hosts.keys {
      let memberships = Set(hosts[name]?.memberships ?? [])
      if memberships.contains("ungrouped") {
        if !memberships.subtracting(["all", "ungrouped"]).isEmpty {
          removeHost(name, from: "ungrouped")
        }
      } else if memberships.subtracting(["all"]).isEmpty {
        if groups[name] != nil {
          // Ansible's add_child('ungrouped', NAME) takes the group of that name, not the host.
          throw error(
            "host-group-name", subject: name, at: hosts[name]?.location,
            "host '\(name)' is in no group but all, and a group has the same name: Ansible would "
              + "put the group '\(name)' under ungrouped instead of the host",
            remedy: "rename the host or the group")
        }
        addHost(name, to: "ungrouped")
      }
    }
    var depths: [String: Int] = ["all": 0]
    let parents = groups.mapValues(\.parents)
    func depth(_ group: String) -> Int {
      if let known = depths[group] { return known }
      let value = (parents[group] ?? []).map { depth($0) + 1 }.max() ?? 0
      depths[group] = value
      return value
    }
    for name in parents.keys { groups[name]?.depth = depth(name) }
    for conflict in groups.keys where hosts[conflict] != nil {
      warnings.append(
        InventoryDiagnostic(
          .warning, code: "group-host-name", subject: conflict, at: hosts[conflict]?.location,
          "'\(conflict)' is the name of both a group and a host (Ansible warns too); a pattern "
            + "or --limit with this name selects the host",
          remedy: "rename one of them to keep patterns unambiguous"))
    }
  }

  /// The hosts of a group and of its descendants (`Group.get_hosts`).
  func hosts(below group: String) -> [String] {
    var result: [String] = []
    var seen: Set<String> = [group]
    var pending = [group]
    while let next = pending.popLast() {
      for host in groups[next]?.hosts ?? [] where !result.contains(host) { result.append(host) }
      for child in groups[next]?.children ?? [] where seen.insert(child).inserted {
        pending.append(child)
      }
    }
    return result
  }

  // MARK: - Helpers

  /// The variables of a mapping node, in Ansible's order (merge keys applied), each with the
  /// position of its key.
  static func variables(
    of node: YAMLNode, scope: VariableScope, _ document: YAMLDocument, file: Bool
  ) -> [(String, ResolvedVariable)] {
    guard let entries = node.mergedEntries else { return [] }
    return entries.map { entry in
      (
        entry.name,
        ResolvedVariable(
          value: entry.value.ansibleValue,
          origin: VariableOrigin(
            scope: scope, location: document.location(entry.key), isVarsFile: file),
          node: entry.value)
      )
    }
  }

  /// Python's `int()` of a value (`ansible_group_priority`): nil where Python fails.
  static func integer(_ value: AnsibleValue) -> Int? {
    switch value {
    case .int(let int): return int
    case .string(let string), .unsafe(let string): return HostKeyExpansion.pythonInt(string)
    case .float(let double):
      return double.isFinite ? Int(exactly: double.rounded(.towardZero)) : nil
    case .bool(let bool): return bool ? 1 : 0
    default: return nil
    }
  }

  private func checkStringKey(_ entry: Member, kind: String, _ document: YAMLDocument)
    throws(InventoryError)
  {
    guard !entry.keyIsString else { return }
    throw error(
      "wrong-type", subject: entry.name, at: document.location(entry.key),
      "\(kind) \(entry.name) must be a string", remedy: "put it in quotes: \"\(entry.name)\"")
  }

  private func error(
    _ code: String, subject: String = "", at location: SourceLocation?, _ message: String,
    remedy: String? = nil
  ) -> InventoryError {
    InventoryError(
      InventoryDiagnostic(
        .error, code: code, subject: subject, at: location, message, remedy: remedy))
  }
}

extension YAMLNode {
  /// A null placeholder at another node's position (for a string written where a mapping of
  /// names is expected).
  static func nullNode(at node: YAMLNode) -> YAMLNode {
    YAMLNode(
      content: .scalar(YAMLScalar(text: "", style: .plain, tag: nil, value: .null)),
      line: node.line, column: node.column, isFlow: false, isAnchored: false, isAlias: false)
  }
}
