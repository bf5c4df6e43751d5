import ArgumentParser
import Foundation
import Inventory

/// The inventory a command reads: `-i/--inventory PATH`, else `$CLUSTER_MGR_INVENTORY`, else
/// `inventory/hosts.yml`.
struct InventoryOptions: ParsableArguments {
  /// The default inventory path, relative to the current directory.
  static let defaultPath = "inventory/hosts.yml"

  @Option(
    name: [.customShort("i"), .long],
    help: ArgumentHelp(
      "The YAML inventory file (default: $CLUSTER_MGR_INVENTORY, else \(defaultPath)).",
      valueName: "path"))
  var inventory: String?

  /// The inventory path after the option, the environment and the default.
  var path: String {
    if let inventory { return inventory }
    if let fromEnvironment = ProcessInfo.processInfo.environment["CLUSTER_MGR_INVENTORY"],
      !fromEnvironment.isEmpty
    {
      return fromEnvironment
    }
    return Self.defaultPath
  }

  /// Loads and resolves the inventory.
  func load() throws(InventoryError) -> ResolvedInventory {
    try InventoryLoader.load(path: path)
  }
}
