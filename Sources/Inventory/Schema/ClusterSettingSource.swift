import OrderedCollections

extension ResolvedInventory {
  /// The variables that choose the role groups: read from `all` only (the groups they name
  /// decide which hosts are the cluster's).
  static let roleGroupSettings: Set<String> = ["server_group", "agent_group"]

  /// The hosts cluster settings are read from: the servers and agents, or every host when no
  /// host has a role yet.
  var clusterHostNames: [String] {
    let members = hostNames.filter { role(ofHost: $0) != nil }
    return members.isEmpty ? hostNames : members
  }

  /// The value of a cluster-wide setting as the cluster's hosts get it, wherever it is set
  /// (`all`, a group every cluster host is in, `--extra-vars`). When the hosts disagree,
  /// ``InventoryValidator`` reports it (``clusterSettingConflicts``) and the first host's value
  /// is returned.
  /// `host` is the host settings are read from (``clusterHostNames``' first), found once by the
  /// caller.
  func clusterSetting(_ name: String, from host: String?) -> InventoryValue? {
    if Self.roleGroupSettings.contains(name) { return allSetting(name) }
    guard let host else { return allSetting(name) }
    return hosts[host]?.variables[name]?.value
  }

  /// Cluster-wide settings whose value differs between the cluster's hosts: for each, the
  /// hosts grouped by the value they get (in host order), with where each value comes from.
  func clusterSettingConflicts() -> [(name: String, groups: [(hosts: [String], variable: ResolvedVariable?)])] {
    let names = clusterHostNames
    var conflicts: [(name: String, groups: [(hosts: [String], variable: ResolvedVariable?)])] = []
    for spec in InventorySchema.clusterVariables where !Self.roleGroupSettings.contains(spec.name) {
      var groups: [(hosts: [String], variable: ResolvedVariable?)] = []
      for host in names {
        let variable = hosts[host]?.variables[spec.name]
        if let index = groups.firstIndex(where: { $0.variable?.value == variable?.value }) {
          groups[index].hosts.append(host)
        } else {
          groups.append(([host], variable))
        }
      }
      if groups.count > 1 { conflicts.append((spec.name, groups)) }
    }
    return conflicts
  }
}
