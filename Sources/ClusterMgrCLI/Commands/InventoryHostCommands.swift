import ArgumentParser
import Basics
import Foundation
import Inventory
import OrderedCollections

extension ClusterMgr.InventoryCommand {
  /// `cluster-mgr inventory add-host NAME --group GROUP`: add a host, changing only new lines.
  struct InventoryAddHost: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "add-host",
      abstract: "Add a host to a group of the inventory (the group is created if needed).",
      discussion: """
        Variables: --var KEY=VALUE (typed like config-set: known variables get their type, \
        others are strings) or --var KEY:=JSON. Only new lines are written, in the file's \
        indentation style; the change is checked, written atomically, and FILE.bak keeps the \
        previous version. This edits the inventory only; it does not contact the machine.
        """)

    @Argument(help: "The host's inventory name (use the machine's hostname).")
    var name: String

    @Option(
      name: .shortAndLong, help: "The group to add the host to (e.g. control_plane, workers).")
    var group: String

    @Option(name: .long, help: "Parent of a new group (default: all).")
    var parent: String?

    @Option(name: .customLong("var"), help: "A host variable: KEY=VALUE or KEY:=JSON (repeatable).")
    var variables: [String] = []

    @Flag(name: .long, help: "Show the change as a diff and write nothing.")
    var dryRun = false

    @OptionGroup var inventoryOptions: InventoryOptions
    @OptionGroup var outputOptions: OutputOptions

    func run() throws {
      try reportingOperatorErrors {
        var parsed: OrderedDictionary<String, InventoryValue> = [:]
        for assignment in variables {
          let (key, value) = try Self.parseAssignment(assignment)
          parsed[key] = value
        }
        let edit = InventoryEdit.addHost(
          name: name, group: group, variables: parsed, parent: parent)
        let result = try InventoryFile(path: inventoryOptions.path).apply([edit], dryRun: dryRun)
        InventoryWriteReport.print(result, dryRun: dryRun, json: outputOptions.isJSON)
      }
    }

    static func parseAssignment(_ text: String) throws -> (String, InventoryValue) {
      if let range = text.range(of: ":="), !text[..<range.lowerBound].contains("=") {
        let key = String(text[..<range.lowerBound])
        return (
          key,
          try InventoryValueArgument.parse(String(text[range.upperBound...]), type: .json, key: key)
        )
      }
      guard let equals = text.firstIndex(of: "="), equals != text.startIndex else {
        throw InventoryError(
          code: "bad-variable", "'\(text)' is not KEY=VALUE or KEY:=JSON",
          remedy:
            "for example --var ansible_host=100.64.0.5 or --var node_labels:='{\"gpu\": \"true\"}'")
      }
      let key = String(text[..<equals])
      let value = String(text[text.index(after: equals)...])
      return (key, try InventoryValueArgument.parse(value, type: nil, key: key))
    }
  }

  /// `cluster-mgr inventory remove-host NAME`: remove a host with the comment lines above it.
  struct InventoryRemoveHost: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "remove-host",
      abstract: "Remove a host from every group of the inventory (with its comment lines).",
      discussion: """
        Removes the host's lines and the comment lines directly above it; the next host's \
        comment stays. host_vars files are left in place (a note names them). This edits the \
        inventory only; it does not drain or uninstall the node.
        """)

    @Argument(help: "The host's inventory name.")
    var name: String

    @Flag(name: .long, help: "Show the change as a diff and write nothing.")
    var dryRun = false

    @OptionGroup var inventoryOptions: InventoryOptions
    @OptionGroup var outputOptions: OutputOptions

    func run() throws {
      try reportingOperatorErrors {
        let result = try InventoryFile(path: inventoryOptions.path).apply(
          [.removeHost(name: name)], dryRun: dryRun)
        InventoryWriteReport.print(result, dryRun: dryRun, json: outputOptions.isJSON)
      }
    }
  }
}
