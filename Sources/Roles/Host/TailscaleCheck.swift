import Engine
import Foundation

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
