import Basics
import Foundation
import Inventory
import SSHTransport

/// SSH targets from inventory nodes: address, port, user, key file, sudo password, and the host
/// keys the tailnet vouches for.
public enum SSHTargets {
  /// The login name of the person running cluster-mgr (the default SSH user).
  public static var currentUser: String {
    if let user = ProcessInfo.processInfo.environment["USER"], !user.isEmpty { return user }
    if let entry = getpwuid(getuid()), let name = entry.pointee.pw_name {
      return String(cString: name)
    }
    return "root"
  }

  /// The target for `node`; `trustedHostKeys` maps Tailscale IPv4 → `type base64` keys.
  public static func target(for node: NodeSpec, trustedHostKeys: [String: [String]] = [:])
    -> SSHTarget
  {
    let keys = trustedHostKeys[node.tailscaleIP ?? ""] ?? trustedHostKeys[node.address] ?? []
    return SSHTarget(
      name: node.name, address: node.address, port: node.port, user: node.user ?? currentUser,
      keyFile: node.privateKeyFile.map { ($0 as NSString).expandingTildeInPath },
      becomePassword: node.becomePassword, trustedHostKeys: keys)
  }
}
