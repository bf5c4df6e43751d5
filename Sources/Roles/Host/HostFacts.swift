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
