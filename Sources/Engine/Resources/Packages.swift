import Basics
import Foundation
/// Packages that must be installed (apt on Debian/Ubuntu, dnf on Fedora/RHEL).
public struct Packages: Resource {
  /// Package names.
  public var names: [String]

  /// `names` must be installed.
  public init(_ names: [String]) { self.names = names }

  public func probeScript(_ context: PlanContext) -> String {
    let list = names.map(ShellSnippets.q).joined(separator: " ")
    return """
      if command -v dpkg-query >/dev/null 2>&1; then echo manager=apt
        dpkg-query -W -f='dpkg=${Package}|${Architecture}|${db:Status-Abbrev}|${Version}\\n' \(list) 2>/dev/null
      elif command -v rpm >/dev/null 2>&1; then echo manager=dnf
        # shellcheck disable=SC2043 # the list may hold a single package
        for p in \(list); do
          v=$(rpm -q --qf '%{VERSION}-%{RELEASE}' "$p" 2>/dev/null) && echo "pkg=$p|ii |$v" || echo "pkg=$p||"
        done
      else echo manager=none; fi
      """
  }

  public func plan(current: ProbeSection, context: PlanContext) throws -> Plan {
    let manager = current["manager"] ?? "none"
    var missing: [String] = []
    if manager == "apt" {
      // One dpkg-query for every name (it reads dpkg's whole status file each time it starts):
      // PACKAGE|ARCH|STATUS|VERSION per known package; names it does not know print nothing.
      let rows = current.values("dpkg").map { $0.split(separator: "|", omittingEmptySubsequences: false) }
      for name in names {
        let parts = name.split(separator: ":", maxSplits: 1)
        let base = parts.first.map(String.init) ?? name
        let arch = parts.count > 1 ? String(parts[1]) : nil
        let installed = rows.contains { (row: [Substring]) -> Bool in
          guard row.count >= 3, row[0] == base else { return false }
          let archMatches = arch.map { row[1] == $0 || row[1] == "all" } ?? true
          return archMatches && row[2].trimmingCharacters(in: .whitespaces) == "ii"
        }
        if !installed { missing.append(name) }
      }
    }
    for entry in current.values("pkg") {
      let parts = entry.split(separator: "|", omittingEmptySubsequences: false)
      guard let name = parts.first else { continue }
      let status = parts.count > 1 ? parts[1].trimmingCharacters(in: .whitespaces) : ""
      if status != "ii" { missing.append(String(name)) }
    }
    if missing.isEmpty { return .ok("installed: \(names.joined(separator: ", "))") }
    let list = missing.map(ShellSnippets.q).joined(separator: " ")
    let apply: String
    switch manager {
    case "apt":
      apply = """
        export DEBIAN_FRONTEND=noninteractive
        cm_apt_update_if_requested
        if ! apt-get install -y -q --no-install-recommends -o Dpkg::Options::=--force-confold \(list); then
          echo "retrying after apt-get update" >&2
          apt-get update -q && apt-get install -y -q --no-install-recommends -o Dpkg::Options::=--force-confold \(list)
        fi
        """
    case "dnf":
      apply = "dnf install -y \(list)"
    default:
      apply = "echo 'no supported package manager (apt or dnf) on this host' >&2; exit 1"
    }
    let verify: String
    switch manager {
    case "apt":
      verify = missing.map { "dpkg-query -W -f='${db:Status-Abbrev}' \(ShellSnippets.q($0)) | grep -q '^ii'" }
        .joined(separator: " && ")
    case "dnf": verify = "rpm -q \(list) >/dev/null"
    default: verify = "false"
    }
    return Plan(.change, "install \(missing.joined(separator: ", "))", apply: apply, verify: verify)
  }
}

/// A systemd service's enablement and run state. Restarts happen only through handlers.
public struct Service: Resource {
  /// The unit name, e.g. `k3s` or `k3s.service`.
  public var name: String
  /// Enabled at boot.
  public var enabled: Bool
  /// Running now.
  public var running: Bool

  /// `name` enabled and running (by default).
  public init(_ name: String, enabled: Bool = true, running: Bool = true) {
    self.name = name
    self.enabled = enabled
    self.running = running
  }

  public func probeScript(_ context: PlanContext) -> String {
    let n = ShellSnippets.q(name)
    return """
      echo "enabled=$(systemctl is-enabled \(n) 2>/dev/null || true)"
      echo "active=$(systemctl is-active \(n) 2>/dev/null || true)"
      echo "load=$(systemctl show -p LoadState --value \(n) 2>/dev/null || true)"
      """
  }

  public func plan(current: ProbeSection, context: PlanContext) throws -> Plan {
    let isEnabled = ["enabled", "enabled-runtime", "static", "alias"].contains(current["enabled"] ?? "")
    let isActive = current["active"] == "active"
    var steps: [String] = []
    var what: [String] = []
    let n = ShellSnippets.q(name)
    if enabled != isEnabled {
      steps.append("systemctl \(enabled ? "enable" : "disable") \(n)")
      what.append(enabled ? "enable" : "disable")
    }
    if running != isActive {
      steps.append("systemctl \(running ? "start" : "stop") \(n)")
      // Lets a restart handler in the same run skip a service that was just started.
      if running { steps.append(": > \"$cm_run/started.\(Self.markerName(name))\"") }
      what.append(running ? "start" : "stop")
    }
    if steps.isEmpty {
      return .ok("\(name): \(enabled ? "enabled" : "disabled"), \(running ? "running" : "stopped")")
    }
    let verify =
      (running ? "systemctl is-active --quiet \(n)" : "! systemctl is-active --quiet \(n)")
    return Plan(
      .change, "\(name): \(what.joined(separator: ", "))",
      apply: "cm_daemon_reload_if_requested\n" + steps.joined(separator: "\n"), verify: verify,
      failureDiagnostics: Self.journal(name))
  }

  /// A handler that restarts `unit`, unless this run started it (it then already runs the new
  /// configuration): the only way roles restart services.
  public static func restartHandler(_ name: String, unit: String) -> Handler {
    let n = ShellSnippets.q(unit)
    return Handler(
      name,
      script: """
        if [ -e "$cm_run/started.\(markerName(unit))" ]; then echo "\(unit) was started in this run; not restarting"; echo @@cm-unchanged
        else systemctl restart \(n); fi
        """, failureDiagnostics: journal(unit))
  }

  static func markerName(_ unit: String) -> String {
    String(unit.map { $0.isLetter || $0.isNumber || $0 == "-" ? $0 : "_" })
  }

  /// Shell printing the tail of a unit's journal and status, for failure reports.
  public static func journal(_ unit: String) -> String {
    let n = ShellSnippets.q(unit)
    return "systemctl status --no-pager -l \(n) 2>&1 | tail -n 15; echo '--- journal:'; journalctl -u \(n) -n 25 --no-pager 2>&1"
  }
}
