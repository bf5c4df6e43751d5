import OrderedCollections

/// One change to an inventory. Nothing is renamed or moved implicitly.
public enum InventoryEdit: Hashable, Sendable {
  /// Adds a host to a group, creating the group (under `parent`, default `all`) if needed.
  case addHost(
    name: String, group: String, variables: OrderedDictionary<String, InventoryValue> = [:],
    parent: String? = nil)
  /// Removes a host from every group that lists it, with the comment lines directly above it.
  case removeHost(name: String)
  /// Sets a variable (dotted key for nested mappings: `node_labels.gpu`) at a scope.
  case setVariable(key: String, value: InventoryValue, scope: VariableScope)
  /// Removes a variable (dotted key) from a scope.
  case unsetVariable(key: String, scope: VariableScope)

  /// A short description for summaries.
  public var summary: String {
    switch self {
    case .addHost(let name, let group, let variables, _):
      return "add host \(name) to group \(group)"
        + (variables.isEmpty ? "" : " with " + variables.keys.joined(separator: ", "))
    case .removeHost(let name): return "remove host \(name)"
    case .setVariable(let key, let value, let scope):
      let shown =
        InventorySchema.spec(String(key.split(separator: ".").first ?? ""))?.isSecret == true
        ? "(secret)" : JSONText.compact(value)
      return "set \(key) = \(shown) at \(scope)"
    case .unsetVariable(let key, let scope): return "unset \(key) at \(scope)"
    }
  }
}

/// The outcome of applying edits in memory: the new texts, checked, not yet written.
public struct InventoryEditResult: Sendable {
  /// New text per changed file, in the order they were first changed.
  public var changedFiles: OrderedDictionary<String, String>
  /// The text each changed file had before.
  public var originalTexts: [String: String]
  /// One line per edit that changed something.
  public var summary: [String]
  /// Notes for the user (a host_vars file left behind, an unset that found nothing, ...).
  public var notes: [String]
  /// The inventory as it reads after the edits.
  public var inventory: ResolvedInventory
  /// Warnings of the edited inventory.
  public var warnings: [InventoryDiagnostic]

  /// True when the edits changed nothing.
  public var isEmpty: Bool { changedFiles.isEmpty }
}
