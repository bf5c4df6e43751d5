import OrderedCollections

/// Whose variable it is: the `all` group, another group, or a host.
public enum VariableScope: Hashable, Sendable, CustomStringConvertible {
  case group(String)
  case host(String)

  /// The `all` group: settings for the whole cluster.
  public static let all = VariableScope.group("all")

  public var description: String {
    switch self {
    case .group(let name): return name == "all" ? "all" : "group \(name)"
    case .host(let name): return "host \(name)"
    }
  }
}

/// Where a variable's effective value was defined.
public struct VariableOrigin: Hashable, Sendable, CustomStringConvertible {
  /// The group or host that defines it.
  public var scope: VariableScope
  /// Where its key is written.
  public var location: SourceLocation
  /// True when it comes from a `group_vars/` or `host_vars/` file rather than the inventory.
  public var isVarsFile: Bool

  public var description: String { "\(location) (\(scope))" }
}

/// A variable's value together with where it was defined.
public struct ResolvedVariable: Hashable, Sendable {
  /// The value as Ansible sees it.
  public var value: InventoryValue
  /// Where it was defined.
  public var origin: VariableOrigin
  /// The YAML node of the value (to point at positions inside lists and mappings).
  let node: YAMLNode?

  init(value: InventoryValue, origin: VariableOrigin, node: YAMLNode?) {
    self.value = value
    self.origin = origin
    self.node = node
  }

  public static func == (left: ResolvedVariable, right: ResolvedVariable) -> Bool {
    left.value == right.value && left.origin == right.origin
  }

  public func hash(into hasher: inout Hasher) {
    hasher.combine(value)
    hasher.combine(origin)
  }

  /// The position of an element inside the value (`["1"]` for a list index, a key for a
  /// mapping), falling back to the variable's own position.
  public func location(at path: [String]) -> SourceLocation {
    var node = self.node
    for step in path {
      guard let current = node else { break }
      if let entries = current.entries, let entry = entries.first(where: { $0.name == step }) {
        node = entry.value
      } else if let items = current.items, let index = Int(step), items.indices.contains(index) {
        node = items[index]
      } else {
        node = nil
      }
    }
    guard let node, !node.isAlias else { return origin.location }
    return SourceLocation(file: origin.location.file, line: node.line, column: node.column)
  }
}
