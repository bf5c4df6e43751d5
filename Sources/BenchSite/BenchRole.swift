import Basics
import Engine
import Foundation

/// The benchmark's reference workload (shared/bench-workload/WORKLOAD.md) as a Swift role:
/// 16 operations and 4 handlers, the same order and results as the Ansible and pyinfra versions.
struct BenchRole {
  /// Site-wide variables (site-vars.json).
  struct SiteVars: Decodable {
    var k3s_version: String
    var k3s_node_labels: [String]
    var k3s_node_taints: [String]
    var k3s_system_reserved: String
    var hosts_domain: String
  }

  /// One cluster node: its name and address.
  struct ClusterNode: Sendable {
    var name: String
    var ip: String
  }

  let site: SiteVars
  let nodes: [ClusterNode]
  let binary: (path: String, sha256: String)
  let token: String
  /// Per-host overrides of `k3s_system_reserved` (the "one change" phase).
  let systemReserved: [String: String]
  let files: RoleFiles

  static let handlerLog = "mkdir -p /var/lib/bench-site && echo %@ >> /var/lib/bench-site/handlers.log"

  var role: Role {
    Role(
      "bench", tags: ["bench"],
      handlers: [
        Handler("apply sysctl", script: Self.log("sysctl-apply")),
        Handler("load modules", script: Self.log("modules-load")),
        Handler("reload systemd", script: Self.log("systemd-daemon-reload")),
        Handler("restart k3s", script: Self.log("k3s-restart")),
      ]
    ) { context in try tasks(for: context.host) }
  }

  static func log(_ name: String) -> String {
    "mkdir -p /var/lib/bench-site && echo \(name) >> /var/lib/bench-site/handlers.log"
  }

  func tasks(for host: String) throws -> [TaskSpec] {
    guard let node = nodes.first(where: { $0.name == host }) else { return [] }
    let values: [String: any Sendable] = [
      "node_name": node.name, "node_ip": node.ip, "k3s_version": site.k3s_version,
      "k3s_node_labels": site.k3s_node_labels, "k3s_node_taints": site.k3s_node_taints,
      "k3s_system_reserved": systemReserved[host] ?? site.k3s_system_reserved,
    ]
    func render(_ name: String) throws -> FileContent { .text(try files.render("bench", template: name, values)) }
    func file(_ name: String) throws -> FileContent { .text(try files.text("bench", "files/\(name)")) }
    var tasks: [TaskSpec] = [
      TaskSpec("Base packages are present", Packages(["ca-certificates", "curl", "openssh-server"])),
      TaskSpec("No swap entries in /etc/fstab", LineInFile("/etc/fstab", absent: "^[^#].*\\sswap\\s")),
      TaskSpec("Kubernetes sysctls", ManagedFile("/etc/sysctl.d/90-k8s.conf", content: try render("sysctl-k8s.conf"))).notify("apply sysctl"),
      TaskSpec("Kernel modules loaded at boot", ManagedFile("/etc/modules-load.d/k8s.conf", content: try file("modules-k8s.conf"))).notify("load modules"),
      TaskSpec("K3s config directory", Directory("/etc/rancher/k3s", mode: 0o755)),
      TaskSpec("K3s config", ManagedFile("/etc/rancher/k3s/config.yaml", content: try render("k3s-config.yaml"))).notify("restart k3s"),
      TaskSpec("K3s registry mirrors", ManagedFile("/etc/rancher/k3s/registries.yaml", content: try file("registries.yaml"))).notify("restart k3s"),
      TaskSpec("K3s binary", ManagedFile("/usr/local/bin/k3s", content: .artifact(localPath: binary.path, sha256: binary.sha256), mode: 0o755)).notify("restart k3s"),
      TaskSpec("kubectl -> k3s", Symlink("/usr/local/bin/kubectl", target: "/usr/local/bin/k3s")),
      TaskSpec("crictl -> k3s", Symlink("/usr/local/bin/crictl", target: "/usr/local/bin/k3s")),
      TaskSpec("K3s systemd unit", ManagedFile("/etc/systemd/system/k3s.service", content: try render("k3s.service"))).notify("reload systemd", "restart k3s"),
      TaskSpec("Enable k3s", Symlink("/etc/systemd/system/multi-user.target.wants/k3s.service", target: "/etc/systemd/system/k3s.service")),
    ]
    // One task for all nodes, as Ansible's loop is one task: each line replaces the last line for
    // that name or is appended, in node order, and /etc/hosts is written once.
    let hostsLines = nodes.map { other in
      let fqdn = "\(other.name).\(site.hosts_domain)"
      return (matching: "^[^#]* \(NSRegularExpression.escapedPattern(for: fqdn))$", line: "\(other.ip) \(fqdn)")
    }
    if !hostsLines.isEmpty {
      tasks.append(TaskSpec("Cluster nodes in /etc/hosts", LineInFile("/etc/hosts", lines: hostsLines)))
    }
    tasks += [
      TaskSpec("K3s server data directory", Directory("/var/lib/rancher/k3s/server", mode: 0o700)),
      TaskSpec("K3s cluster token", ManagedFile("/var/lib/rancher/k3s/server/token", content: .text(token + "\n"), mode: 0o600, secret: true)).notify("restart k3s"),
      TaskSpec(
        "Run the k3s installer once (simulated)",
        RunCommand("sh -c 'echo \"k3s \(site.k3s_version) installed\" > /var/lib/rancher/k3s/install.done'", creates: "/var/lib/rancher/k3s/install.done")),
    ]
    return tasks
  }
}
