import ArgumentParser
import Foundation
import Inventory

/// Resolves `--scope all|GROUP|HOST` (or `group:NAME` / `host:NAME` when a name is both).
enum InventoryScopeArgument {
  static func resolve(_ text: String, in inventory: ResolvedInventory) throws -> VariableScope {
    if text == "all" { return .all }
    if text.hasPrefix("group:") {
      let name = String(text.dropFirst(6))
      guard inventory.group(name) != nil else { throw unknown(text, inventory) }
      return .group(name)
    }
    if text.hasPrefix("host:") {
      let name = String(text.dropFirst(5))
      guard inventory.host(name) != nil else { throw unknown(text, inventory) }
      return .host(name)
    }
    let isGroup = inventory.group(text) != nil
    let isHost = inventory.host(text) != nil
    switch (isGroup, isHost) {
    case (true, true):
      throw InventoryError(
        code: "ambiguous-scope", "'\(text)' is both a group and a host",
        remedy: "write --scope group:\(text) or --scope host:\(text)")
    case (true, false): return .group(text)
    case (false, true): return .host(text)
    case (false, false): throw unknown(text, inventory)
    }
  }

  private static func unknown(_ text: String, _ inventory: ResolvedInventory) -> InventoryError {
    InventoryError(
      code: "unknown-scope",
      "scope '\(text)' is neither 'all', a group nor a host of \(inventory.path)",
      remedy: "run `cluster-mgr inventory --graph` to see groups and hosts")
  }
}

/// Turns command-line text into an inventory value (`--type`, or the schema's type of a known key).
enum InventoryValueArgument {
  /// The value types `config-set --type` accepts.
  enum ValueType: String, CaseIterable, ExpressibleByArgument {
    case string, int, bool, json
  }

  static func parse(_ text: String, type: ValueType?, key: String) throws -> InventoryValue {
    switch type ?? inferredType(for: key) {
    case .string: return .string(text)
    case .int:
      guard let number = Int(text.trimmingCharacters(in: .whitespaces)) else {
        throw InventoryError(code: "bad-value", "'\(text)' is not an integer (for \(key))")
      }
      return .int(number)
    case .bool:
      switch text.lowercased() {
      case "true", "1", "yes", "on": return .bool(true)
      case "false", "0", "no", "off": return .bool(false)
      default:
        throw InventoryError(
          code: "bad-value", "'\(text)' is not a boolean (for \(key))",
          remedy: "use true or false (also accepted: yes/no, on/off, 1/0)")
      }
    case .json:
      do {
        return try JSONText.parse(text)
      } catch {
        throw InventoryError(
          code: "bad-value", "'\(text)' is not valid JSON (for \(key)): \(error)",
          remedy: "quote the JSON for the shell, e.g. '{\"gpu\": \"true\"}'")
      }
    }
  }

  /// The type a known variable has; unknown variables and quantities are strings.
  static func inferredType(for key: String) -> ValueType {
    let parts = (try? VariablePath.parse(key)) ?? [key]
    guard let spec = InventorySchema.spec(parts.first ?? ""), parts.count == 1 else {
      return .string
    }
    switch spec.kind {
    case .integer: return .int
    case .boolean: return .bool
    case .mapping, .list, .k3sSettings: return .json
    case .string, .quantity: return .string
    }
  }
}
