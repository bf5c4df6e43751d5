import OrderedCollections

/// The role a host plays in the K3s cluster.
public enum NodeRole: String, Hashable, Sendable, CaseIterable {
  /// A K3s server (control plane): group `control_plane` or `server`.
  case server
  /// A K3s agent (worker): group `workers` or `agent`.
  case agent
}

/// One host as cluster-mgr uses it: how to reach it, its role, and its node settings.
public struct NodeSpec: Hashable, Sendable {
  /// The inventory name (K3s registers the node under the machine's hostname; keep them equal).
  public var name: String
  /// Where to connect: `ansible_host`, else the name.
  public var address: String
  /// SSH user (`ansible_user`); nil means the current user.
  public var user: String?
  /// SSH port (`ansible_port`, default 22).
  public var port: Int
  /// Private key file (`ansible_ssh_private_key_file`).
  public var privateKeyFile: String?
  /// sudo password (`ansible_become_password` / `ansible_become_pass`); a secret.
  public var becomePassword: String?
  /// The node's Tailscale address (`tailscale_ip`).
  public var tailscaleIP: String?
  /// Server or agent from group membership; nil for hosts outside both role groups.
  public var role: NodeRole?
  /// kube-reserved CPU (`reserved_cpu`).
  public var reservedCPU: String?
  /// kube-reserved memory (`reserved_memory`).
  public var reservedMemory: String?
  /// kube-reserved ephemeral storage (`reserved_ephemeral_storage`).
  public var reservedEphemeralStorage: String
  /// system-reserved CPU (`system_reserved_cpu`).
  public var systemReservedCPU: String
  /// system-reserved memory (`system_reserved_memory`).
  public var systemReservedMemory: String
  /// system-reserved ephemeral storage (`system_reserved_ephemeral_storage`).
  public var systemReservedEphemeralStorage: String
  /// The node has an NVIDIA GPU (`gpu`).
  public var gpu: Bool
  /// Kubernetes labels (`node_labels`), values as strings.
  public var labels: OrderedDictionary<String, String>
  /// Kubernetes taints (`node_taints`).
  public var taints: [NodeTaint]
  /// Every group the host is in (with parents), in precedence order.
  public var groups: [String]
  /// Every merged variable, known or not, as data.
  public var variables: OrderedDictionary<String, InventoryValue>
}

extension NodeSpec {
  /// A string variable the schema knows, as set for this node or its default (validated by
  /// ``InventoryValidator`` before any node exists).
  public func setting(_ name: String) -> String {
    variables[name]?.stringValue ?? InventorySchema.spec(name)?.defaultValue?.stringValue ?? ""
  }
}

extension NodeSpec: CustomStringConvertible {
  /// A one-line summary that never shows the become password.
  public var description: String {
    var parts = [
      "\(name) (\(role?.rawValue ?? "no role"))",
      "\(user.map { "\($0)@" } ?? "")\(address):\(port)",
    ]
    if let tailscaleIP { parts.append("tailscale \(tailscaleIP)") }
    if gpu { parts.append("gpu") }
    return parts.joined(separator: ", ")
  }
}

extension ResolvedInventory {
  /// The groups that make a host a server: `control_plane` and `server_group` (default `server`).
  public var serverGroups: [String] {
    ["control_plane", allSetting("server_group")?.stringValue ?? "server"]
  }

  /// The groups that make a host an agent: `workers` and `agent_group` (default `agent`).
  public var agentGroups: [String] {
    ["workers", allSetting("agent_group")?.stringValue ?? "agent"]
  }

  /// The role of a host from its groups (parents included); nil when it is in neither kind of
  /// role group or in both (``InventoryValidator`` reports the latter).
  public func role(ofHost name: String) -> NodeRole? {
    let memberships = Set(groups(ofHost: name))
    let isServer = !memberships.isDisjoint(with: serverGroups)
    let isAgent = !memberships.isDisjoint(with: agentGroups)
    switch (isServer, isAgent) {
    case (true, false): return .server
    case (false, true): return .agent
    default: return nil
    }
  }

  /// The typed node of one host (nil for an unknown host).
  ///
  /// Values of the wrong type are left out here; ``InventoryValidator`` reports them.
  public func node(_ name: String) -> NodeSpec? {
    guard let host = hosts[name] else { return nil }
    // Jinja templates of known variables count as not set (InventoryValidator warns).
    let values = host.values.filter {
      !($0.value.isTemplate && InventorySchema.spec($0.key) != nil)
    }
    func string(_ key: String) -> String? {
      switch values[key] {
      case .string(let string)?: return string
      case .int(let int)?: return String(int)
      case .double(let double)?: return "\(double)"
      default: return nil
      }
    }
    func defaulted(_ key: String) -> String {
      string(key) ?? InventorySchema.spec(key)?.defaultValue?.stringValue ?? ""
    }
    var labels: OrderedDictionary<String, String> = [:]
    for (key, value) in values["node_labels"]?.mapValue ?? [:] {
      if let text = VariableSpec.labelString(value) { labels[key] = text }
    }
    let taints = (values["node_taints"]?.listValue ?? []).compactMap { entry in
      try? NodeTaint.parse(entry).get()
    }
    return NodeSpec(
      name: name, address: string("ansible_host") ?? name, user: string("ansible_user"),
      port: values["ansible_port"]?.intValue ?? string("ansible_port").flatMap { Int($0) } ?? 22,
      privateKeyFile: string("ansible_ssh_private_key_file"),
      becomePassword: string("ansible_become_password") ?? string("ansible_become_pass"),
      tailscaleIP: string("tailscale_ip"), role: role(ofHost: name),
      reservedCPU: string("reserved_cpu"), reservedMemory: string("reserved_memory"),
      reservedEphemeralStorage: defaulted("reserved_ephemeral_storage"),
      systemReservedCPU: defaulted("system_reserved_cpu"),
      systemReservedMemory: defaulted("system_reserved_memory"),
      systemReservedEphemeralStorage: defaulted("system_reserved_ephemeral_storage"),
      gpu: values["gpu"]?.boolValue ?? false, labels: labels, taints: taints,
      groups: groups(ofHost: name), variables: values)
  }

  /// Every host as a typed node, in inventory order, after ``InventoryValidator`` found no
  /// error (warnings are allowed).
  public func nodes() throws(InventoryError) -> [NodeSpec] {
    let errors = InventoryValidator.validate(self).filter(\.isError)
    guard errors.isEmpty else { throw InventoryError(errors) }
    return hostNames.compactMap(node)
  }

  /// The value of a cluster-wide setting: `all`'s own variables (inline and `group_vars/all`).
  func allSetting(_ name: String) -> InventoryValue? {
    groups["all"]?.variables[name]?.value
  }
}
