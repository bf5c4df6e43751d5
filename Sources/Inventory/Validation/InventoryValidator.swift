import Basics
import OrderedCollections

/// Checks a loaded inventory for cluster use.
///
/// Every diagnostic names file, line and column.
///
/// Errors: a variable of the wrong type or syntax (addresses, CIDRs, `k3s_version`, CPU and
/// memory quantities, labels, taints, ports), two hosts with the same name (ignoring case) or
/// the same `ansible_host`/`tailscale_ip`, a host that is both server and agent, no server at
/// all. Warnings: an even number of servers, a host in no role group, a name Kubernetes cannot
/// use as a node name.
public enum InventoryValidator {
  /// Loads the inventory at `path` and returns it (nil when it cannot be loaded) with every
  /// finding: the load error alone, or the loader's warnings plus ``validate(_:)``.
  public static func check(inventoryAt path: String) -> (
    inventory: ResolvedInventory?, diagnostics: [InventoryDiagnostic]
  ) {
    do {
      let inventory = try InventoryLoader.load(path: path)
      return (inventory, inventory.warnings + validate(inventory))
    } catch {
      return (nil, error.diagnostics)
    }
  }

  /// All errors and warnings, errors first in file order.
  public static func validate(_ inventory: ResolvedInventory) -> [InventoryDiagnostic] {
    var diagnostics: [InventoryDiagnostic] = []
    checkVariables(inventory, into: &diagnostics)
    checkHosts(inventory, into: &diagnostics)
    checkRoles(inventory, into: &diagnostics)
    checkClusterSettings(inventory, into: &diagnostics)
    return diagnostics.sorted { left, right in
      if left.isError != right.isError { return left.isError }
      return (left.location?.file ?? "", left.location?.line ?? 0, left.location?.column ?? 0)
        < (right.location?.file ?? "", right.location?.line ?? 0, right.location?.column ?? 0)
    }
  }

  /// Known variables wherever they are defined: at `all`, in every group, at every host.
  private static func checkVariables(
    _ inventory: ResolvedInventory, into diagnostics: inout [InventoryDiagnostic]
  ) {
    var seen: Set<SourceLocation> = []
    var definitions: [(String, ResolvedVariable)] = []
    for group in inventory.groups.values {
      definitions += group.inlineVariables.map { ($0.key, $0.value) }
      definitions += group.fileVariables.map { ($0.key, $0.value) }
    }
    for host in inventory.hosts.values {
      definitions += host.inlineVariables.map { ($0.key, $0.value) }
      definitions += host.fileVariables.map { ($0.key, $0.value) }
    }
    for (name, variable) in definitions {
      guard let spec = InventorySchema.spec(name),
        seen.insert(variable.origin.location).inserted
      else { continue }
      if variable.value.isTemplate {
        diagnostics.append(
          InventoryDiagnostic(
            .warning, code: "jinja-template", subject: "\(variable.origin.scope).\(name)",
            at: variable.location(at: []),
            "\(name) is a Jinja template, which Ansible evaluates and cluster-mgr does not: it is treated as not set",
            remedy: "write the value itself, or remove \(name) to use its default"))
        continue
      }
      if let problem = spec.problem(with: variable.value) {
        diagnostics.append(
          InventoryDiagnostic(
            .error, code: "invalid-value", subject: "\(variable.origin.scope).\(name)",
            at: location(of: spec, variable), problem,
            remedy: spec.defaultValue.map { "for example \(name): \(JSONText.compact($0))" }
              ?? nil))
      }
    }
  }

  /// A cluster-wide setting must be the same for every host of the cluster: set once, under
  /// `all` or a group they all share.
  private static func checkClusterSettings(
    _ inventory: ResolvedInventory, into diagnostics: inout [InventoryDiagnostic]
  ) {
    for conflict in inventory.clusterSettingConflicts() {
      let secret = InventorySchema.spec(conflict.name)?.isSecret ?? false
      let parts = conflict.groups.map { group -> String in
        let hosts = group.hosts.prefix(3).joined(separator: ", ")
          + (group.hosts.count > 3 ? " and \(group.hosts.count - 3) more" : "")
        guard let variable = group.variable else { return "\(hosts): not set (the default)" }
        let value = secret ? "a secret value" : JSONText.compact(variable.value)
        return "\(hosts): \(value) from \(variable.origin.scope)"
      }
      let located = conflict.groups.compactMap(\.variable).first {
        $0.origin.scope != .all
      }
      diagnostics.append(
        InventoryDiagnostic(
          .error, code: "cluster-setting-differs", subject: conflict.name,
          at: located.map { $0.location(at: []) },
          "\(conflict.name) is a cluster-wide setting but the cluster's hosts get different values ("
            + parts.joined(separator: "; ") + ")",
          remedy:
            "set \(conflict.name) once, under all: vars: (or a group every server and agent is in), and remove the other definitions"
        ))
    }
  }

  /// Points inside lists and mappings at the first bad element when there is one.
  private static func location(of spec: VariableSpec, _ variable: ResolvedVariable)
    -> SourceLocation
  {
    switch spec.rule {
    case .taints:
      for (index, entry) in (variable.value.listValue ?? []).enumerated() {
        if case .failure = NodeTaint.parse(entry) { return variable.location(at: [String(index)]) }
      }
    case .labels:
      for (key, value) in variable.value.mapValue ?? [:] {
        if ValueRules.labelKeyProblem(key) != nil { return variable.keyLocation(at: [key]) }
        let valueProblem = VariableSpec.labelString(value).map(ValueRules.labelValueProblem)
        if valueProblem != .some(nil) { return variable.location(at: [key]) }
      }
    default:
      break
    }
    return variable.location(at: [])
  }

  private static func checkHosts(
    _ inventory: ResolvedInventory, into diagnostics: inout [InventoryDiagnostic]
  ) {
    var byLowercaseName: [String: String] = [:]
    var byAddress: [String: (host: String, variable: String)] = [:]
    for host in inventory.hosts.values {
      let lower = host.name.lowercased()
      if let other = byLowercaseName[lower] {
        diagnostics.append(
          InventoryDiagnostic(
            .error, code: "duplicate-host", subject: host.name, at: host.location,
            "host '\(host.name)' differs from host '\(other)' only in case; host names are case-insensitive",
            remedy: "remove one of them or rename it"))
      } else {
        byLowercaseName[lower] = host.name
      }
      if ValueRules.nodeNameProblem(host.name) != nil {
        diagnostics.append(
          InventoryDiagnostic(
            .error, code: "node-name", subject: host.name, at: host.location,
            "\(PrintableText.quoted(host.name)) is not a valid Kubernetes node name (lower-case letters, digits, '-' and '.'): K3s registers the node under this name",
            remedy:
              "name the host after the machine's hostname in lower case, and put its address in ansible_host"
          ))
      }
      for variableName in ["tailscale_ip", "ansible_host"] {
        guard let variable = host.variables[variableName],
          let address = variable.value.stringValue, ValueRules.isIPAddress(address)
        else { continue }
        if let other = byAddress[address], other.host != host.name {
          diagnostics.append(
            InventoryDiagnostic(
              .error, code: "duplicate-address", subject: address,
              at: variable.location(at: []),
              "\(variableName) \(address) of host '\(host.name)' is also the \(other.variable) of host '\(other.host)'",
              remedy: "every node needs its own address; check `tailscale status` for the right one"
            ))
        } else if byAddress[address] == nil {
          byAddress[address] = (host.name, variableName)
        }
      }
    }
  }

  private static func checkRoles(
    _ inventory: ResolvedInventory, into diagnostics: inout [InventoryDiagnostic]
  ) {
    let serverGroups = Set(inventory.serverGroups)
    let agentGroups = Set(inventory.agentGroups)
    var servers: [String] = []
    for host in inventory.hosts.values {
      let memberships = Set(inventory.groups(ofHost: host.name))
      let isServer = !memberships.isDisjoint(with: serverGroups)
      let isAgent = !memberships.isDisjoint(with: agentGroups)
      if isServer && isAgent {
        diagnostics.append(
          InventoryDiagnostic(
            .error, code: "two-roles", subject: host.name, at: host.location,
            "host '\(host.name)' is in a server group and an agent group; a K3s server already runs workloads",
            remedy:
              "keep it in one of \(serverGroups.sorted().joined(separator: "/")) or \(agentGroups.sorted().joined(separator: "/"))"
          ))
      } else if isServer {
        servers.append(host.name)
      } else if !isAgent {
        diagnostics.append(
          InventoryDiagnostic(
            .warning, code: "no-role", subject: host.name, at: host.location,
            "host '\(host.name)' is in no server or agent group; it will not join the cluster"))
      }
    }
    let file = inventory.path
    let top = SourceLocation(file: file, line: 1, column: 1)
    let serverLocation = inventory.groups.values.first { serverGroups.contains($0.name) }?.location
    if servers.isEmpty {
      diagnostics.append(
        InventoryDiagnostic(
          .error, code: "no-server", at: serverLocation ?? top,
          "the inventory has no server: a cluster needs at least one host in control_plane (or server)",
          remedy: "add a host under all.children.control_plane.hosts"))
    } else if servers.count % 2 == 0 {
      diagnostics.append(
        InventoryDiagnostic(
          .warning, code: "even-servers", at: serverLocation ?? top,
          "\(servers.count) servers: embedded etcd needs a majority, so an even number tolerates no more failures than one server less",
          remedy: "use 1, 3 or 5 servers"))
    }
  }
}
