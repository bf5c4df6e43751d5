import OrderedCollections

/// An inventory read the way Ansible reads it: groups, hosts, and per host the variables after
/// Ansible's precedence rules.
public struct ResolvedInventory: Sendable {
  /// The inventory file, as given.
  public let path: String
  /// Every group in creation order (`all` and `ungrouped` first).
  public let groups: OrderedDictionary<String, InventoryGroup>
  /// Every host in the order it first appears.
  public let hosts: OrderedDictionary<String, InventoryHost>
  /// Problems that do not stop loading (a name used for both a group and a host, ...).
  public let warnings: [InventoryDiagnostic]
  /// The files that were read: the inventory first, then `group_vars/` and `host_vars/` files.
  public let files: [String]
  /// The plaintexts of vaulted values and of vars files encrypted as a whole: secrets every
  /// command registers with its redactor.
  public internal(set) var vaultSecrets: [String] = []
  /// `--extra-vars` applied to the hosts (the implicit `localhost` gets them too).
  public internal(set) var extraVariables = ExtraVariables()
  /// `host_vars/` of Ansible's implicit localhost names that are not hosts of the inventory.
  var implicitHostVariables: [String: OrderedDictionary<String, ResolvedVariable>] = [:]

  /// Reads and resolves the inventory at `path` (see ``InventoryLoader``).
  public static func load(path: String) throws(InventoryError) -> ResolvedInventory {
    try InventoryLoader.load(path: path)
  }

  /// Host names in inventory order.
  public var hostNames: [String] { Array(hosts.keys) }

  /// The host named `name`.
  public func host(_ name: String) -> InventoryHost? { hosts[name] }

  /// The group named `name`.
  public func group(_ name: String) -> InventoryGroup? { groups[name] }

  /// The fully merged variables of a host (nil for an unknown host).
  public func hostVars(_ name: String) -> OrderedDictionary<String, InventoryValue>? {
    hosts[name]?.values
  }

  /// Every group a host belongs to, directly or through parents, `all` excluded, in Ansible's
  /// precedence order (shallow to deep, then priority, then name): Ansible's `group_names`.
  public func groups(ofHost name: String) -> [String] {
    sortedByPrecedence(Set(hosts[name]?.memberships ?? []).subtracting(["all"]))
  }

  /// The groups above `name` (parents, their parents, ...), `all` included.
  public func ancestors(ofGroup name: String) -> Set<String> {
    var seen: Set<String> = []
    var pending = groups[name]?.parents ?? []
    while let next = pending.popLast() {
      if seen.insert(next).inserted { pending += groups[next]?.parents ?? [] }
    }
    return seen
  }

  /// Hosts of a group and of all its descendant groups, without duplicates: the group's own
  /// hosts first, then each level of child groups in inventory order.
  public func hosts(inGroup name: String) -> [String] {
    var result: [String] = []
    var seenHosts: Set<String> = []
    var seenGroups: Set<String> = [name]
    var level = [name]
    while !level.isEmpty {
      var next: [String] = []
      for group in level {
        for host in groups[group]?.hosts ?? [] where seenHosts.insert(host).inserted {
          result.append(host)
        }
        for child in groups[group]?.children ?? [] where seenGroups.insert(child).inserted {
          next.append(child)
        }
      }
      level = next
    }
    return result
  }

  /// Groups sorted as Ansible orders them for variable precedence: by depth, priority, name.
  func sortedByPrecedence(_ names: some Sequence<String>) -> [String] {
    names.sorted { left, right in
      let a = groups[left]!
      let b = groups[right]!
      if a.depth != b.depth { return a.depth < b.depth }
      if a.priority != b.priority { return a.priority < b.priority }
      return JSONText.pythonOrder(left, right)
    }
  }

  /// The variables a member of `group` gets from `all`, the group's ancestors and the group
  /// itself (what `config-get --scope GROUP` shows).
  public func effectiveVariables(ofGroup name: String) -> OrderedDictionary<
    String, ResolvedVariable
  > {
    guard groups[name] != nil else { return [:] }
    var chain = ancestors(ofGroup: name)
    chain.insert(name)
    chain.remove("all")
    let ordered = sortedByPrecedence(chain)
    let all = groups["all"]!
    var merged = all.inlineVariables
    for group in ordered { merged.merge(groups[group]!.inlineVariables) { _, new in new } }
    merged.merge(all.fileVariables) { _, new in new }
    for group in ordered { merged.merge(groups[group]!.fileVariables) { _, new in new } }
    return merged
  }
}
