import Engine
import Foundation

/// Reads what later roles need to know about a host (architecture, OS): never changes anything.
struct HostFacts: Resource {
  func probeScript(_ context: PlanContext) -> String {
    """
    echo "arch=$(uname -m)"
    . /etc/os-release 2>/dev/null; echo "os=${ID:-unknown}"; echo "os_version=${VERSION_ID:-unknown}"
    """
  }

  func plan(current: ProbeSection, context: PlanContext) throws -> Plan {
    let arch = current["arch"] ?? "unknown"
    let os = current["os"] ?? "unknown"
    return .ok(
      "\(os) \(current["os_version"] ?? "") \(arch)",
      facts: ["arch": Fact(arch), "os": Fact(os), "os_version": Fact(current["os_version"] ?? "")])
  }
}

/// tailscaled runs and is `Running`, and the host's Tailscale IPv4 is the inventory's
/// `tailscale_ip`. Never runs `tailscale up`: that is the owner's decision.
struct TailscaleCheck: Resource {
  let expectedIPv4: String?

  func probeScript(_ context: PlanContext) -> String {
    """
    command -v tailscale >/dev/null 2>&1 || { echo cli=absent; exit 0; }
    echo "daemon=$(systemctl is-active tailscaled 2>/dev/null || true)"
    if s=$(tailscale status --json --peers=false 2>/dev/null); then echo "status=$(printf '%s' "$s" | base64 -w0)"; fi
    """
  }

  func plan(current: ProbeSection, context: PlanContext) throws -> Plan {
    let host = context.host
    if current["cli"] == "absent" {
      throw PlanError(
        "\(host): Tailscale is not installed (no `tailscale` command). Install Tailscale and run `tailscale up` on the host, then provision again."
      )
    }
    guard let data = current.data("status"),
      let status = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
    else {
      throw PlanError(
        "\(host): tailscaled is not answering (service \(current["daemon"] ?? "unknown")). Start it with `sudo systemctl enable --now tailscaled`."
      )
    }
    let state = status["BackendState"] as? String ?? "unknown"
    guard state == "Running" else {
      throw PlanError(
        "\(host): Tailscale is \(state), not Running. Log the host in with `sudo tailscale up` (cluster-mgr never does this for you), then provision again."
      )
    }
    let ips =
      (status["TailscaleIPs"] as? [String])
      ?? ((status["Self"] as? [String: Any])?["TailscaleIPs"] as? [String]) ?? []
    guard let ipv4 = ips.first(where: { !$0.contains(":") }) else {
      throw PlanError("\(host): Tailscale is Running but has no IPv4 address.")
    }
    if let expectedIPv4, expectedIPv4 != ipv4 {
      throw PlanError(
        "\(host): the inventory's tailscale_ip is \(expectedIPv4) but the host's Tailscale IPv4 is \(ipv4). Fix the inventory (cluster-mgr config-set tailscale_ip \(ipv4) --scope \(host)) or check that this is the right machine."
      )
    }
    let dnsName = ((status["Self"] as? [String: Any])?["DNSName"] as? String ?? "")
      .trimmingCharacters(in: CharacterSet(charactersIn: "."))
    var facts = ["tailscale_ipv4": Fact(ipv4)]
    if !dnsName.isEmpty { facts["magicdns_name"] = Fact(dnsName) }
    return .ok("Running, \(ipv4)\(dnsName.isEmpty ? "" : " (\(dnsName))")", facts: facts)
  }
}

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
