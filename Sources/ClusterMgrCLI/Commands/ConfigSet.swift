import ArgumentParser
import Basics
import Inventory

extension ClusterMgr {
  /// `cluster-mgr config-set KEY VALUE`: change one inventory variable, editing only its lines.
  struct ConfigSet: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "config-set",
      abstract: "Set (or --unset) an inventory variable at a scope, changing only its lines.",
      discussion: """
        The change is checked before the file is replaced: it must parse, read back as \
        intended, and fit the schema of known variables (k3s_version like v1.31.4+k3s1, \
        CIDRs, quantities, labels, taints). The write is atomic, serialised with other writers, \
        and the previous version is kept as FILE.bak. Without --type, known variables get their \
        own type and others are strings.
        """)

    @Argument(help: "The variable, dotted for nested keys (e.g. k3s_version, node_labels.gpu).")
    var key: String

    @Argument(help: "The new value (omit with --unset).")
    var value: String?

    @Option(
      name: .shortAndLong,
      help: "all, a group name or a host name (group:NAME / host:NAME when both).")
    var scope = "all"

    @Option(name: .shortAndLong, help: "How to read VALUE: string, int, bool or json.")
    var type: InventoryValueArgument.ValueType?

    @Flag(name: .long, help: "Remove the variable from the scope instead of setting it.")
    var unset = false

    @Flag(name: .long, help: "Show the change as a diff and write nothing.")
    var dryRun = false

    @OptionGroup var inventoryOptions: InventoryOptions
    @OptionGroup var outputOptions: OutputOptions

    func validate() throws {
      if unset, value != nil { throw ValidationError("--unset takes no VALUE.") }
      if !unset, value == nil { throw ValidationError("Missing VALUE (or use --unset).") }
      if unset, type != nil { throw ValidationError("--type goes with a VALUE, not --unset.") }
    }

    func run() throws {
      try reportingOperatorErrors {
        let inventory = try inventoryOptions.load()
        let resolvedScope = try InventoryScopeArgument.resolve(scope, in: inventory)
        let edit: InventoryEdit
        if unset {
          edit = .unsetVariable(key: key, scope: resolvedScope)
        } else {
          let parsed = try InventoryValueArgument.parse(value ?? "", type: type, key: key)
          edit = .setVariable(key: key, value: parsed, scope: resolvedScope)
        }
        let result = try InventoryFile(path: inventoryOptions.path).apply([edit], dryRun: dryRun)
        InventoryWriteReport.print(result, dryRun: dryRun, json: outputOptions.isJSON)
      }
    }
  }
}
