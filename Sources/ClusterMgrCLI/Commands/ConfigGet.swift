import ArgumentParser
import Basics
import Inventory
import OrderedCollections

extension ClusterMgr {
  /// `cluster-mgr config-get KEY`: the value a variable has at a scope, and where it comes from.
  struct ConfigGet: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "config-get",
      abstract: "Print the value of an inventory variable at a scope.",
      discussion: """
        The value is what that scope sees after Ansible's precedence: at 'all' the cluster-wide \
        value, at a group what its members inherit, at a host its fully merged value. A known \
        variable that is not set prints its default. KEY may be dotted (node_labels.gpu). \
        Secrets (token, passwords, values encrypted with Ansible Vault) are shown only with \
        --reveal.
        """)

    @Argument(help: "The variable, dotted for nested keys (e.g. k3s_version, node_labels.gpu).")
    var key: String

    @Option(
      name: .shortAndLong,
      help: "all, a group name or a host name (group:NAME / host:NAME when both).")
    var scope = "all"

    @Flag(name: .long, help: "Print secret values (token, passwords) instead of hiding them.")
    var reveal = false

    @OptionGroup var inventoryOptions: InventoryOptions
    @OptionGroup var outputOptions: OutputOptions

    func run() throws {
      try reportingOperatorErrors {
        // Other vaulted values stay locked when no given password opens them; this one must open.
        let inventory = try inventoryOptions.load(locked: .keep)
        let resolvedScope = try InventoryScopeArgument.resolve(scope, in: inventory)
        let parts = try VariablePath.parse(key)
        let variables: [String: ResolvedVariable]
        switch resolvedScope {
        case .group(let name):
          variables = Dictionary(
            uniqueKeysWithValues: inventory.effectiveVariables(ofGroup: name).map {
              ($0.key, $0.value)
            })
        case .host(let name):
          variables = Dictionary(
            uniqueKeysWithValues: (inventory.host(name)?.variables ?? [:]).map {
              ($0.key, $0.value)
            })
        }
        let spec = InventorySchema.spec(parts[0])
        var value: InventoryValue?
        var source = "default"
        var isVaulted = false
        if let variable = variables[parts[0]] {
          try variable.requireUnlocked(parts[0])
          value = variable.value.value(at: parts.dropFirst())
          source = variable.location(at: Array(parts.dropFirst())).description
          isVaulted = variable.isVaulted
        }
        if value == nil, parts.count == 1 { value = spec?.defaultValue }
        guard let value else {
          throw ConfigGetNotSet(key: key, scope: resolvedScope)
        }
        let hidden = (spec?.isSecret == true || isVaulted) && !reveal
        let shown: InventoryValue = hidden ? .string("(secret)") : value
        if outputOptions.isJSON {
          print(
            JSONText.pretty(
              .map([
                "key": .string(key), "scope": .string(resolvedScope.description),
                "value": shown, "source": .string(source), "hidden": .bool(hidden),
              ]), sortKeys: false, indent: 2))
        } else {
          print(shown.description)
        }
      }
    }
  }
}

/// `config-get` of a variable that is not set and has no default (exit status 1).
struct ConfigGetNotSet: OperatorError {
  var key: String
  var scope: VariableScope
  var message: String { "\(key) is not set at \(scope)" }
  var remedy: String? { "set it with `cluster-mgr config-set \(key) VALUE`" }
}
