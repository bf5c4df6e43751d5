import Basics
import Foundation
import Inventory
import Tailscale

extension AddNodeOperation {
  /// The address from the command line (checked against the tailnet when it answers) or from the
  /// tailnet peer of the same name.
  static func resolveAddress(
    _ request: AddNodeRequest, tailnet: Result<TailscaleStatus, TailscaleError>,
    warnings: inout [String]
  ) throws -> (String, String) {
    let name = request.name
    guard let given = request.address else {
      let status: TailscaleStatus
      switch tailnet {
      case .success(let answer): status = answer
      case .failure(let error):
        throw AddNodeError(
          "cannot look up \(name) in the tailnet: \(error.message)",
          remedy:
            "start Tailscale on this machine, or give the address: cluster-mgr add-node \(name) 100.x.y.z",
          exitStatus: error.exitStatus)
      }
      let peer: TailnetNode
      do { peer = try status.peer(named: name) } catch {
        throw AddNodeError(
          error.message,
          remedy:
            "check the name with `cluster-mgr discover`, or give the address: cluster-mgr add-node \(name) 100.x.y.z"
        )
      }
      guard let ipv4 = peer.ipv4 else {
        throw AddNodeError(
          "the tailnet node \(peer.magicDNSName.isEmpty ? name : peer.magicDNSName) has no IPv4 address",
          remedy: "give the address: cluster-mgr add-node \(name) ADDRESS")
      }
      if !peer.online { warnings.append(offline(peer, name: name)) }
      return (ipv4, "the tailnet: \(peer.magicDNSName.isEmpty ? peer.hostName : peer.magicDNSName)")
    }
    guard ValueRules.isIPAddress(given) else {
      throw AddNodeError(
        "'\(given)' is not an IP address",
        remedy: "give the node's Tailscale address, e.g. 100.64.0.5")
    }
    switch tailnet {
    case .failure(let error):
      warnings.append("could not check \(given) against the tailnet: \(error.message)")
    case .success(let status):
      if let peer = try? status.peer(named: name) {
        if !peer.tailscaleIPs.contains(given) {
          warnings.append(
            "the tailnet's \(name) has \(peer.tailscaleIPs.joined(separator: ", ")), not \(given); check the address"
          )
        } else if !peer.online {
          warnings.append(offline(peer, name: name))
        }
      } else if let owner = (status.visiblePeers + (status.selfNode.map { [$0] } ?? [])).first(
        where: {
          $0.tailscaleIPs.contains(given)
        })
      {
        warnings.append(
          "\(given) belongs to the tailnet node \(owner.hostName), not to a node called \(name)")
        if !owner.online { warnings.append(offline(owner, name: owner.hostName)) }
      } else {
        warnings.append("no tailnet node is called \(name) or has the address \(given)")
      }
    }
    return (given, "the command line")
  }

  static func offline(_ peer: TailnetNode, name: String) -> String {
    let seen = peer.lastSeen.map { " (last seen \(ISO8601DateFormatter().string(from: $0)))" } ?? ""
    return
      "\(name) is offline in the tailnet\(seen): it is added, but cannot be provisioned until it is back"
  }
}
