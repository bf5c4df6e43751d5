import Basics
import Foundation
import Tailscale

/// `cluster-mgr discover`: the tailnet's nodes from the local tailscaled, with inventory
/// membership and address drift (see docs/discovery.md).
public enum Discovery {
  /// Asks tailscaled for its status and builds the report; tailscaled must be `Running` or
  /// `Starting` (a stopped or logged-out daemon's peer list is stale and is never shown).
  public static func run(
    client: LocalAPIClient, inventory: DiscoverInventory, filters: DiscoverFilters,
    now: Date = Date()
  ) async throws(TailscaleError) -> DiscoverReport {
    let status = try await client.runningStatus()
    return report(status: status, inventory: inventory, filters: filters, now: now)
  }

  /// The report for a status whose peers are current.
  public static func report(
    status: TailscaleStatus, inventory: DiscoverInventory, filters: DiscoverFilters, now: Date
  ) -> DiscoverReport {
    let selfNode = status.selfNode.flatMap { $0.id.isEmpty && $0.hostName.isEmpty ? nil : $0 }
    var all = status.visiblePeers.map { DiscoveredNode(node: $0, isSelf: false, membership: nil) }
    if let selfNode { all.append(DiscoveredNode(node: selfNode, isSelf: true, membership: nil)) }

    var notInTailnet: [String] = []
    if case .loaded(_, let members) = inventory {
      notInTailnet = match(members, into: &all)
    }
    let shown = all.filter { passes($0, filters) }.sorted(by: displayOrder)

    var warnings: [String] = []
    if status.backendState == .starting {
      warnings.append("tailscaled is still starting: the peer list may be incomplete or stale.")
    }
    return DiscoverReport(
      backendState: status.backendState, tailnetName: status.tailnet?.name, nodes: shown,
      inventory: inventory, notInTailnet: notInTailnet, warnings: warnings, now: now)
  }

  /// Attaches each inventory host to its tailnet node and returns the hosts left over.
  ///
  /// A host matches a node by name first (MagicDNS label, then host name, case-insensitively),
  /// so that a changed address shows as drift; then by its `tailscale_ip`.
  static func match(_ members: [InventoryMember], into nodes: inout [DiscoveredNode]) -> [String] {
    var unmatched: [String] = []
    for member in members {
      let name = member.name.lowercased()
      let free = nodes.indices.filter { nodes[$0].membership == nil }
      let byLabel = free.filter { nodes[$0].node.dnsLabel.lowercased() == name }
      let byHostName = free.filter { nodes[$0].node.hostName.lowercased() == name }
      let byAddress = free.filter { index in
        guard let ip = member.tailscaleIP, !ip.isEmpty else { return false }
        return nodes[index].node.tailscaleIPs.contains { IPAddressText.same($0, ip) }
      }
      let candidates = [byLabel, byHostName, byAddress].first { $0.count == 1 }
      if let index = candidates?.first {
        nodes[index].membership = member
      } else {
        unmatched.append(member.name)
      }
    }
    return unmatched
  }

  static func passes(_ entry: DiscoveredNode, _ filters: DiscoverFilters) -> Bool {
    let node = entry.node
    if filters.onlineOnly, !node.online { return false }
    if let tag = filters.tag, !node.hasTag(tag) { return false }
    if let os = filters.os, node.os.caseInsensitiveCompare(os) != .orderedSame { return false }
    if let glob = filters.glob {
      let pattern = glob.lowercased()
      let names = [node.hostName, node.dnsLabel, node.magicDNSName].filter { !$0.isEmpty }
      if !names.contains(where: { Glob.matches(pattern, $0.lowercased()) }) { return false }
    }
    return true
  }

  /// Sorted by host name (case-insensitively), then MagicDNS name, then stable ID.
  static func displayOrder(_ a: DiscoveredNode, _ b: DiscoveredNode) -> Bool {
    (a.node.hostName.lowercased(), a.node.magicDNSName, a.node.id)
      < (b.node.hostName.lowercased(), b.node.magicDNSName, b.node.id)
  }
}
