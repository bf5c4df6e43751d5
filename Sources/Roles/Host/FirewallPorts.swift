import Engine
import Foundation

/// Opens the K3s ports in a host firewall that is already active (ufw or firewalld), only for
/// the tailnet's addresses. Never installs or enables a firewall.
struct FirewallPorts: Resource {
  /// `port/proto` entries, e.g. `6443/tcp`, `2379:2380/tcp`, `8472/udp`.
  let ports: [String]
  /// Allowed source range (the tailnet).
  let source: String

  func probeScript(_ context: PlanContext) -> String {
    """
    if command -v ufw >/dev/null 2>&1 && ufw status 2>/dev/null | grep -q '^Status: active'; then
      echo firewall=ufw; ufw status 2>/dev/null | sed 's/^/rule=/'
    elif command -v firewall-cmd >/dev/null 2>&1 && firewall-cmd --state >/dev/null 2>&1; then
      echo firewall=firewalld; echo "sources=$(firewall-cmd --zone=trusted --list-sources 2>/dev/null)"
    else echo firewall=none; fi
    """
  }

  func plan(current: ProbeSection, context: PlanContext) throws -> Plan {
    switch current["firewall"] {
    case "ufw":
      let rules = current.values("rule").joined(separator: "\n")
      let missing = ports.filter { port in
        let ufwPort = port.replacingOccurrences(of: ":", with: ":")
        return !rules.split(separator: "\n").contains {
          $0.hasPrefix(ufwPort) && $0.contains(source)
        }
      }
      if missing.isEmpty { return .ok("ufw active: K3s ports open for \(source)") }
      let commands = missing.map { port -> String in
        let parts = port.split(separator: "/")
        return
          "ufw allow from \(source) to any port \(parts[0]) proto \(parts.count > 1 ? parts[1] : "tcp")"
      }
      return Plan(
        .change, "ufw active: open \(missing.joined(separator: ", ")) for \(source)",
        apply: commands.joined(separator: "\n"))
    case "firewalld":
      if (current.lineValue("sources") ?? "").split(separator: " ").contains(Substring(source)) {
        return .ok("firewalld active: \(source) trusted")
      }
      return Plan(
        .change, "firewalld active: trust \(source)",
        apply:
          "firewall-cmd --permanent --zone=trusted --add-source=\(source)\nfirewall-cmd --reload")
    default:
      return .ok("no active firewall (none is enabled by cluster-mgr)")
    }
  }
}
