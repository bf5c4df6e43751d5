import OrderedCollections

/// A group of the inventory: its direct hosts, its child and parent groups, and its own variables.
public struct InventoryGroup: Hashable, Sendable {
  /// The group's name.
  public let name: String
  /// Hosts listed directly in the group, in inventory order.
  public internal(set) var hosts: [String] = []
  /// Child groups, in inventory order.
  public internal(set) var children: [String] = []
  /// Parent groups, in the order they adopted this group.
  public internal(set) var parents: [String] = []
  /// Variables written inline in the inventory (`vars:`), later definitions winning.
  public internal(set) var inlineVariables: OrderedDictionary<String, ResolvedVariable> = [:]
  /// Variables from `group_vars/NAME*`, which take precedence over the inline ones.
  public internal(set) var fileVariables: OrderedDictionary<String, ResolvedVariable> = [:]
  /// `ansible_group_priority` (1 unless set): breaks ties between groups of the same depth.
  public internal(set) var priority = 1
  /// The length of the longest path from `all` (0 for `all`): deeper groups win.
  public internal(set) var depth = 0
  /// Where the group is first written; nil for the implicit `all` and `ungrouped`.
  public internal(set) var location: SourceLocation?

  init(name: String, location: SourceLocation?) {
    self.name = name
    self.location = location
  }

  /// The group's own variables: inline ones overridden by `group_vars/` files.
  public var variables: OrderedDictionary<String, ResolvedVariable> {
    inlineVariables.merging(fileVariables) { _, file in file }
  }
}

/// A host of the inventory with its groups and its fully merged variables.
public struct InventoryHost: Hashable, Sendable {
  /// The inventory name (the key under `hosts:`).
  public let name: String
  /// Groups that list the host directly, in inventory order.
  public internal(set) var groups: [String] = []
  /// Every group Ansible counts the host in (its `host.groups`: the direct groups and their
  /// ancestors as they were when the host or an ancestor joined, `all` included), which decides
  /// its variables and `group_names`.
  public internal(set) var memberships: [String] = []
  /// Variables written inline under the host, later definitions winning.
  public internal(set) var inlineVariables: OrderedDictionary<String, ResolvedVariable> = [:]
  /// Variables from `host_vars/NAME*`.
  public internal(set) var fileVariables: OrderedDictionary<String, ResolvedVariable> = [:]
  /// Every variable after Ansible's precedence rules, with where each value came from.
  public internal(set) var variables: OrderedDictionary<String, ResolvedVariable> = [:]
  /// Where the host is first written.
  public internal(set) var location: SourceLocation

  init(name: String, location: SourceLocation) {
    self.name = name
    self.location = location
  }

  /// The merged variables without their origins.
  public var values: OrderedDictionary<String, InventoryValue> {
    variables.mapValues(\.value)
  }
}
