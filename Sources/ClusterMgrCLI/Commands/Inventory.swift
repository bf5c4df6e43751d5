import ArgumentParser
import Basics
import Inventory

extension ClusterMgr {
  /// `cluster-mgr inventory`: show the inventory the way `ansible-inventory` does, validate
  /// it, and edit its hosts.
  struct InventoryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "inventory",
      abstract: "Show, check and edit the Ansible-compatible inventory.",
      discussion: """
        --list, --graph and --host print what `ansible-inventory` prints for the same files \
        (group_vars/ and host_vars/ included). --validate checks the inventory for cluster use \
        (roles, addresses, labels, taints, quantities) and exits with status 2 on errors.
        """,
      subcommands: [InventoryAddHost.self, InventoryRemoveHost.self])

    @OptionGroup var inventoryOptions: InventoryOptions

    @Flag(name: .long, help: "Print all groups and hosts with their variables as JSON.")
    var list = false

    @Flag(name: .long, help: "Print the group tree (from --pattern GROUP, default all).")
    var graph = false

    @Option(name: .long, help: "Print the resolved variables of one host as JSON.")
    var host: String?

    @Flag(name: .long, help: "With --graph: show variables.")
    var vars = false

    @Flag(
      name: .customLong("validate"),
      help: "Check the inventory for cluster use; errors exit with status 2.")
    var check = false

    @Option(name: .long, help: "With --graph: the group to start from (default: all).")
    var pattern: String?

    func run() throws {
      let modes = [list, graph, host != nil, check].filter { $0 }.count
      if modes != 1 {
        throw ValidationError("Choose exactly one of --list, --graph, --host NAME or --validate.")
      }
      if pattern != nil, !graph { throw ValidationError("--pattern only goes with --graph.") }
      try reportingOperatorErrors {
        let inventory = try inventoryOptions.load()
        if check {
          try runValidation(inventory)
          return
        }
        for warning in inventory.warnings { printToStandardError(warning.description) }
        if list {
          print(JSONText.pretty(inventory.ansibleList()))
        } else if let host {
          guard let variables = inventory.ansibleHost(host) else {
            throw InventoryError(
              code: "unknown-host", "host '\(host)' is not in \(inventory.path)",
              remedy: "run `cluster-mgr inventory --graph` to see the hosts")
          }
          print(JSONText.pretty(variables))
        } else {
          let start = pattern ?? "all"
          guard let text = inventory.ansibleGraph(group: start, showVariables: vars) else {
            throw InventoryError(
              code: "unknown-group", "group '\(start)' is not in \(inventory.path)",
              remedy: "--graph takes a group name")
          }
          print(text)
        }
      }
    }

    private func runValidation(_ inventory: ResolvedInventory) throws {
      let diagnostics = inventory.warnings + InventoryValidator.validate(inventory)
      for diagnostic in diagnostics { print(diagnostic.description) }
      let errors = diagnostics.filter(\.isError).count
      let warnings = diagnostics.count - errors
      print("\(inventory.path): \(errors) error(s), \(warnings) warning(s)")
      if errors > 0 { throw ExitCode(ExitStatus.invalidInput) }
    }
  }
}
