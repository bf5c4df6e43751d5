import Foundation
import Tailscale

/// What `discover` found: the tailnet's nodes next to the inventory.
public struct DiscoverReport: Sendable, Hashable {
  /// tailscaled's state (`Running`, or `Starting` with a warning).
  public var backendState: BackendState
  /// The tailnet's name, when known.
  public var tailnetName: String?
  /// The nodes that passed the filters, sorted by host name; this machine is one of them.
  public var nodes: [DiscoveredNode]
  /// The inventory side.
  public var inventory: DiscoverInventory
  /// Inventory hosts that match no tailnet node (by name or address).
  public var notInTailnet: [String]
  /// Things to say before the table (a starting daemon, health warnings).
  public var warnings: [String]
  /// When the report was made (the clock "last seen" is relative to).
  public var now: Date

  /// The counts of the summary line; they cover peers, not this machine.
  public var summary: Summary {
    let peers = nodes.filter { !$0.isSelf }
    return Summary(
      peers: peers.count, online: peers.filter(\.online).count,
      inInventory: peers.filter { $0.membership != nil }.count,
      drifted: peers.filter(\.drifted).count)
  }

  /// The counts of the summary line.
  public struct Summary: Sendable, Hashable, Codable {
    /// Peers shown.
    public var peers: Int
    /// Of those, online.
    public var online: Int
    /// Of those, in the inventory.
    public var inInventory: Int
    /// Of those, whose inventory `tailscale_ip` differs from the tailnet's address.
    public var drifted: Int
  }
}

/// One tailnet node as `discover` shows it.
public struct DiscoveredNode: Sendable, Hashable {
  /// The tailnet's view of the node.
  public var node: TailnetNode
  /// Whether this is the machine cluster-mgr runs on.
  public var isSelf: Bool
  /// The inventory host this node is, if any.
  public var membership: InventoryMember?

  /// Whether control reports the node online.
  public var online: Bool { node.online }

  /// Whether the inventory records a `tailscale_ip` the tailnet does not give this node.
  public var drifted: Bool {
    guard let recorded = membership?.tailscaleIP, !recorded.isEmpty else { return false }
    return !node.tailscaleIPs.contains { IPAddressText.same($0, recorded) }
  }

  /// "online", "last seen 3d ago" style text relative to `now` (as the tailscale CLI rounds:
  /// at least a minute, then minutes, hours or days), or "offline" when never seen.
  public func presence(now: Date) -> String {
    if node.online { return "online" }
    guard let lastSeen = node.lastSeen else { return "offline" }
    let seconds = max(now.timeIntervalSince(lastSeen), 60)
    switch seconds {
    case ..<3600: return "\(Int(seconds / 60))m ago"
    case ..<86400: return "\(Int(seconds / 3600))h ago"
    default: return "\(Int(seconds / 86400))d ago"
    }
  }
}
