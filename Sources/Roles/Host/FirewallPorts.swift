import Basics
import Engine
import Foundation

/// Opens the K3s ports in a host firewall that is already active (ufw or firewalld), only for
/// the tailnet's addresses, and nothing else of the host. Never installs or enables a firewall.
struct FirewallPorts: Resource {
  /// `port/proto` entries, e.g. `6443/tcp`, `2379:2380/tcp`, `8472/udp`.
  let ports: [String]
  /// Allowed source range (the tailnet).
  let source: String
  /// The pod and service networks: firewalld must let pods reach the node (K3s's firewalld
  /// advice: these sources in the trusted zone).
  var clusterNetworks: [String] = []

  func probeScript(_ context: PlanContext) -> String {
    """
    if command -v ufw >/dev/null 2>&1 && ufw status 2>/dev/null | grep -q '^Status: active'; then
      echo firewall=ufw; ufw status 2>/dev/null | sed 's/^/rule=/'
    elif command -v firewall-cmd >/dev/null 2>&1 && firewall-cmd --state >/dev/null 2>&1; then
      echo firewall=firewalld; echo "sources=$(firewall-cmd --permanent --zone=trusted --list-sources 2>/dev/null)"
      firewall-cmd --permanent --list-rich-rules 2>/dev/null | sed 's/^/rich=/'
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
        return "ufw "
          + ShellQuote.join([
            "allow", "from", source, "to", "any", "port", String(parts[0]), "proto",
            parts.count > 1 ? String(parts[1]) : "tcp",
          ])
      }
      return Plan(
        .change, "ufw active: open \(missing.joined(separator: ", ")) for \(source)",
        apply: commands.joined(separator: "\n"))
    case "firewalld":
      return firewalldPlan(current)
    default:
      return .ok("no active firewall (none is enabled by cluster-mgr)")
    }
  }

  /// A rich rule accepting `port` (`6443/tcp`, `2379:2380/tcp`) from the tailnet only.
  func richRule(_ port: String) -> String {
    let parts = port.split(separator: "/")
    let number = parts[0].replacingOccurrences(of: ":", with: "-")
    let proto = parts.count > 1 ? String(parts[1]) : "tcp"
    return
      "rule family=\"ipv4\" source address=\"\(source)\" port port=\"\(number)\" protocol=\"\(proto)\" accept"
  }

  /// firewalld: the K3s ports from the tailnet as rich rules of the default zone, the pod and
  /// service networks trusted; a tailnet trusted on every port (what earlier versions did) is
  /// taken back.
  private func firewalldPlan(_ current: ProbeSection) -> Plan {
    let rich = Set(current.values("rich"))
    let trusted = Set((current.lineValue("sources") ?? "").split(separator: " ").map(String.init))
    let missingRules = ports.map(richRule).filter { !rich.contains($0) }
    let missingSources = clusterNetworks.filter { !trusted.contains($0) }
    let legacy = trusted.contains(source) && !clusterNetworks.contains(source)
    if missingRules.isEmpty && missingSources.isEmpty && !legacy {
      return .ok("firewalld active: K3s ports open for \(source)")
    }
    var commands = missingRules.map {
      "firewall-cmd --permanent " + ShellQuote.join(["--add-rich-rule=" + $0])
    }
    commands += missingSources.map {
      "firewall-cmd --permanent --zone=trusted " + ShellQuote.join(["--add-source=" + $0])
    }
    if legacy {
      commands.append(
        "firewall-cmd --permanent --zone=trusted " + ShellQuote.join(["--remove-source=" + source]))
    }
    commands.append("firewall-cmd --reload")
    var what: [String] = []
    if !missingRules.isEmpty { what.append("open \(ports.joined(separator: ", ")) for \(source)") }
    if !missingSources.isEmpty { what.append("trust \(missingSources.joined(separator: ", "))") }
    if legacy { what.append("stop trusting \(source) on every port") }
    return Plan(
      .change, "firewalld active: " + what.joined(separator: "; "),
      apply: commands.joined(separator: "\n"))
  }
}
