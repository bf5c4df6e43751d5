import Tailscale

/// A machine of the tailnet that `init` offers as a node: online, Linux, with an IPv4 address.
public struct InitCandidate: Sendable, Hashable {
  /// The name the inventory would use (the MagicDNS label, else the host name), in lower case.
  public let name: String
  /// Its Tailscale IPv4 address.
  public let address: String
  /// True for the machine cluster-mgr runs on.
  public let isSelf: Bool

  /// The online Linux nodes of `status`, this machine included, sorted by name.
  public static func all(in status: TailscaleStatus) -> [InitCandidate] {
    let own = status.selfNode.map { [$0] } ?? []
    let nodes = own.map { ($0, true) } + status.visiblePeers.map { ($0, false) }
    return nodes.compactMap { node, isSelf -> InitCandidate? in
      guard isSelf || node.online, node.os.lowercased() == "linux",
        let address = node.ipv4
      else { return nil }
      let name = (node.dnsLabel.isEmpty ? node.hostName : node.dnsLabel).lowercased()
      guard !name.isEmpty else { return nil }
      return InitCandidate(name: name, address: address, isSelf: isSelf)
    }.sorted { $0.name < $1.name }
  }
}
