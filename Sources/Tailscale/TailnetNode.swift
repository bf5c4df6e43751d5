import Foundation

/// One node of the tailnet as tailscaled sees it: `Self` or a `Peer` of the status.
///
/// Identity is ``id`` (the stable node ID), never the node key, which rotates on re-auth.
public struct TailnetNode: Sendable, Hashable, Decodable {
  /// The stable node ID (`nXXXXCNTRL`); empty before the first login.
  public let id: String
  /// The numeric node ID (daemons from 1.100 on); nil when absent or 0.
  public let nodeID: Int64?
  /// The current node key (`nodekey:…`); it changes on re-auth.
  public let publicKey: String
  /// The OS hostname the node reports (not unique, may differ from its DNS name).
  public let hostName: String
  /// The MagicDNS name with its trailing dot (`host.tailnet.ts.net.`); empty without a netmap.
  public let dnsName: String
  /// The OS (`linux`, `macOS`, `windows`, `iOS`, …); empty for WireGuard-only peers.
  public let os: String
  /// The owner's user ID (the `tagged-devices` pseudo-user for tagged nodes).
  public let userID: Int64?
  /// The node's Tailscale addresses, IPv4 and IPv6, as tailscaled printed them.
  public let tailscaleIPs: [String]
  /// The node's ACL tags, like `tag:k8s`.
  public let tags: [String]
  /// Subnet routes this node is primary for.
  public let primaryRoutes: [String]
  /// The direct UDP path in use, or empty.
  public let currentAddress: String
  /// The DERP region relaying traffic, or empty.
  public let relay: String
  /// When the node registered.
  public let created: Date?
  /// When the node was last connected to control (meaningful only while offline).
  public let lastSeen: Date?
  /// Whether control reports the node connected (advisory, and stale unless Running).
  public let online: Bool
  /// Whether this node is the exit node in use.
  public let isExitNode: Bool
  /// Whether this node offers an exit node.
  public let offersExitNode: Bool
  /// Whether traffic flowed in the last 45 seconds.
  public let active: Bool
  /// The node's SSH host keys (`ssh-ed25519 AAAA…`), present only for Tailscale SSH nodes.
  public let sshHostKeys: [String]
  /// Whether the node is only shared in (the tailscale CLI hides these).
  public let isSharee: Bool
  /// Whether the node is in the current network map.
  public let inNetworkMap: Bool
  /// Whether the node key has expired.
  public let keyExpired: Bool
  /// When the node key expires; nil when expiry is disabled.
  public let keyExpiry: Date?

  /// The first IPv4 Tailscale address.
  public var ipv4: String? { tailscaleIPs.first(where: IPAddressText.isIPv4) }
  /// The first IPv6 Tailscale address.
  public var ipv6: String? { tailscaleIPs.first(where: IPAddressText.isIPv6) }
  /// The MagicDNS name without its trailing dot; empty without a netmap.
  public var magicDNSName: String {
    dnsName.hasSuffix(".") ? String(dnsName.dropLast()) : dnsName
  }
  /// The first label of the MagicDNS name (what the tailscale CLI shows); the host name if none.
  public var dnsLabel: String {
    let label = magicDNSName.split(separator: ".", maxSplits: 1).first.map(String.init) ?? ""
    return label.isEmpty ? hostName : label
  }
  /// Whether the node carries `tag` (`tag:k8s`; a bare `k8s` means the same).
  public func hasTag(_ tag: String) -> Bool {
    let wanted = tag.hasPrefix("tag:") ? tag : "tag:" + tag
    return tags.contains { $0.caseInsensitiveCompare(wanted) == .orderedSame }
  }

  /// Creates a node from its parts (tests, fakes); decoding is the usual way.
  public init(
    id: String, hostName: String, dnsName: String, os: String, tailscaleIPs: [String],
    tags: [String] = [], online: Bool, lastSeen: Date? = nil, sshHostKeys: [String] = []
  ) {
    self.id = id
    self.nodeID = nil
    self.publicKey = ""
    self.hostName = hostName
    self.dnsName = dnsName
    self.os = os
    self.userID = nil
    self.tailscaleIPs = tailscaleIPs
    self.tags = tags
    self.primaryRoutes = []
    self.currentAddress = ""
    self.relay = ""
    self.created = nil
    self.lastSeen = lastSeen
    self.online = online
    self.isExitNode = false
    self.offersExitNode = false
    self.active = false
    self.sshHostKeys = sshHostKeys
    self.isSharee = false
    self.inNetworkMap = true
    self.keyExpired = false
    self.keyExpiry = nil
  }

  enum CodingKeys: String, CodingKey {
    case id = "ID"
    case nodeID = "NodeID"
    case publicKey = "PublicKey"
    case hostName = "HostName"
    case dnsName = "DNSName"
    case os = "OS"
    case userID = "UserID"
    case tailscaleIPs = "TailscaleIPs"
    case tags = "Tags"
    case primaryRoutes = "PrimaryRoutes"
    case currentAddress = "CurAddr"
    case relay = "Relay"
    case created = "Created"
    case lastSeen = "LastSeen"
    case online = "Online"
    case isExitNode = "ExitNode"
    case offersExitNode = "ExitNodeOption"
    case active = "Active"
    case sshHostKeys
    case isSharee = "ShareeNode"
    case inNetworkMap = "InNetworkMap"
    case keyExpired = "Expired"
    case keyExpiry = "KeyExpiry"
  }

  public init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    id = try c.value(.id, or: "")
    let numericID = try c.value(.nodeID, or: Int64(0))
    nodeID = numericID == 0 ? nil : numericID
    publicKey = try c.value(.publicKey, or: "")
    hostName = try c.value(.hostName, or: "")
    dnsName = try c.value(.dnsName, or: "")
    os = try c.value(.os, or: "")
    let user = try c.value(.userID, or: Int64(0))
    userID = user == 0 ? nil : user
    tailscaleIPs = try c.list(.tailscaleIPs)
    tags = try c.list(.tags)
    primaryRoutes = try c.list(.primaryRoutes)
    currentAddress = try c.value(.currentAddress, or: "")
    relay = try c.value(.relay, or: "")
    created = try c.goTime(.created)
    lastSeen = try c.goTime(.lastSeen)
    online = try c.value(.online, or: false)
    isExitNode = try c.value(.isExitNode, or: false)
    offersExitNode = try c.value(.offersExitNode, or: false)
    active = try c.value(.active, or: false)
    sshHostKeys = try c.list(.sshHostKeys)
    isSharee = try c.value(.isSharee, or: false)
    // Always sent by tailscaled; a reply without it is not a reason to hide the node.
    inNetworkMap = try c.value(.inNetworkMap, or: true)
    keyExpired = try c.value(.keyExpired, or: false)
    keyExpiry = try c.goTime(.keyExpiry)
  }
}
