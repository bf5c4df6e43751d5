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
        --list, --graph [GROUP] and --host PATTERN print what `ansible-inventory` prints for \
        the same files and options (group_vars/ and host_vars/ included, -e/--extra-vars \
        applied to hosts, Ansible's implicit localhost). Vaulted values print as Ansible prints \
        them (their ciphertext) where it does; where Ansible would print a decrypted secret \
        (--graph --vars, values of an encrypted vars file) they show as (vault) unless --reveal. \
        --validate checks the inventory for cluster use (roles, addresses, labels, taints, \
        quantities) and exits with status 2 on errors.
        """,
      subcommands: [InventoryAddHost.self, InventoryRemoveHost.self])

    @OptionGroup var inventoryOptions: InventoryOptions

    @Flag(name: .long, help: "Print all groups and hosts with their variables as JSON.")
    var list = false

    @Flag(name: .long, help: "Print the group tree (from GROUP, default all).")
    var graph = false

    @Option(
      name: .long,
      help: ArgumentHelp(
        "Print the resolved variables of the one host PATTERN selects.", valueName: "pattern"))
    var host: String?

    @Flag(name: .long, help: "With --graph: show variables.")
    var vars = false

    @Flag(
      name: .customLong("validate"),
      help: "Check the inventory for cluster use; errors exit with status 2.")
    var check = false

    @Option(
      name: .long,
      help:
        "With --graph: the group to start from (default: all); also written bare: --graph GROUP.")
    var pattern: String?

    @Option(
      name: [.customShort("e"), .customLong("extra-vars")],
      help: "Variables above every inventory source: key=value, JSON/YAML, or @FILE.")
    var extraVars: [String] = []

    @Flag(
      name: .long, help: "Print decrypted vault values where Ansible prints them in plain text.")
    var reveal = false

    func run() throws {
      let modes = [list, graph, host != nil, check].filter { $0 }.count
      if modes != 1 {
        throw ValidationError(
          "Choose exactly one of --list, --graph, --host PATTERN or --validate.")
      }
      let start = pattern
      if start != nil, !graph { throw ValidationError("A GROUP only goes with --graph.") }
      try reportingOperatorErrors {
        // Shown, not used: a !vault value without a password prints as its ciphertext (as
        // ansible-inventory does), except where the plaintext is asked for.
        let showsPlaintext = check || (reveal && graph && vars)
        var inventory = try inventoryOptions.load(locked: showsPlaintext ? .refuse : .keep)
        if !extraVars.isEmpty {
          inventory = inventory.applying(try ExtraVars.variables(extraVars), toGroups: false)
        }
        if check {
          try runValidation(inventory)
          return
        }
        for warning in inventory.warnings { printToStandardError(warning.description) }
        if list {
          print(inventory.ansibleListText(reveal: reveal))
        } else if let host {
          print(try inventory.ansibleHostText(host, reveal: reveal))
        } else {
          let name = start ?? "all"
          guard let text = inventory.ansibleGraph(group: name, showVariables: vars, reveal: reveal)
          else {
            throw InventoryError(
              code: "unknown-group", "group '\(name)' is not in \(inventory.path)",
              remedy: "--graph takes a group name (`cluster-mgr inventory --graph` shows them)")
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
