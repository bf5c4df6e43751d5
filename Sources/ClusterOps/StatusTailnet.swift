import Foundation
import Inventory
import Tailscale

/// What the local tailscaled says about the inventory's hosts: each host's tailnet node
/// (matched as `discover` matches them: by name, then by `tailscale_ip`), or why it is unknown.
struct StatusTailnet: Sendable {
  /// Tailnet nodes by inventory host name; hosts the tailnet does not know are absent.
  var peers: [String: TailnetNode]
  /// Why the tailnet could not be read (tailscaled stopped, logged out, unreachable); nil when
  /// it was.
  var problem: String?

  /// Whether tailscaled answered.
  var isKnown: Bool { problem == nil }

  /// Asks the LocalAPI at `socket` (or the default location) within `timeout`.
  static func read(socket: String?, nodes: [NodeSpec], timeout: Duration) async -> StatusTailnet {
    let client = LocalAPIClient.locate(socket: socket, timeout: timeout)
    do {
      let status = try await client.runningStatus(peers: true)
      return StatusTailnet(peers: match(nodes, in: status), problem: nil)
    } catch {
      return StatusTailnet(peers: [:], problem: error.message)
    }
  }

  /// Pairs inventory hosts with the status's nodes (this machine included).
  static func match(_ nodes: [NodeSpec], in status: TailscaleStatus) -> [String: TailnetNode] {
    var all = status.visiblePeers.map { DiscoveredNode(node: $0, isSelf: false, membership: nil) }
    if let selfNode = status.selfNode, !(selfNode.id.isEmpty && selfNode.hostName.isEmpty) {
      all.append(DiscoveredNode(node: selfNode, isSelf: true, membership: nil))
    }
    _ = Discovery.match(nodes.map(InventoryMember.init), into: &all)
    var result: [String: TailnetNode] = [:]
    for entry in all {
      if let member = entry.membership { result[member.name] = entry.node }
    }
    return result
  }
}
