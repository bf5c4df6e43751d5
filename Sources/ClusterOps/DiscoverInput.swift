import Inventory

/// Which tailnet nodes `discover` shows: every filter given must match.
public struct DiscoverFilters: Sendable, Hashable {
  /// Only nodes control reports online.
  public var onlineOnly: Bool
  /// An fnmatch glob matched, case-insensitively, against the host name, the MagicDNS label and
  /// the full MagicDNS name.
  public var glob: String?
  /// Only nodes with this ACL tag (`tag:k8s`; a bare `k8s` means the same).
  public var tag: String?
  /// Only nodes with this OS (`linux`, `macOS`, …), case-insensitively.
  public var os: String?

  /// Filters that let every node through unless set.
  public init(onlineOnly: Bool = false, glob: String? = nil, tag: String? = nil, os: String? = nil)
  {
    self.onlineOnly = onlineOnly
    self.glob = glob
    self.tag = tag
    self.os = os
  }
}

/// One inventory host as `discover` compares it with the tailnet.
public struct InventoryMember: Sendable, Hashable {
  /// The inventory name.
  public var name: String
  /// The `tailscale_ip` the inventory records, if any.
  public var tailscaleIP: String?
  /// `server`, `agent`, or nil outside both role groups.
  public var role: String?

  /// A member from its parts.
  public init(name: String, tailscaleIP: String?, role: String?) {
    self.name = name
    self.tailscaleIP = tailscaleIP
    self.role = role
  }

  /// A member from a typed inventory node.
  public init(_ node: NodeSpec) {
    self.init(name: node.name, tailscaleIP: node.tailscaleIP, role: node.role?.rawValue)
  }
}

/// The inventory side of `discover`: the hosts, or why there are none.
public enum DiscoverInventory: Sendable, Hashable {
  /// `--no-cluster-status`: membership is not looked at.
  case skipped
  /// The inventory at `path` with its hosts.
  case loaded(path: String, members: [InventoryMember])
  /// The inventory at `path` could not be used, for `reason`.
  case unavailable(path: String, reason: String)

  /// Loads the inventory at `path`; a missing or invalid inventory becomes `.unavailable` with
  /// its first problem as the reason.
  public static func load(path: String) -> DiscoverInventory {
    do {
      let nodes = try InventoryLoader.load(path: path).nodes()
      return .loaded(path: path, members: nodes.map(InventoryMember.init))
    } catch {
      let first = error.diagnostics.first.map { diagnostic in
        (diagnostic.location.map { "\($0): " } ?? "") + diagnostic.message
      }
      let more = error.diagnostics.count > 1 ? " (and \(error.diagnostics.count - 1) more)" : ""
      return .unavailable(path: path, reason: (first ?? error.message) + more)
    }
  }
}
