import Engine
import Foundation
import Inventory
import OrderedCollections

/// The `prerequisites` and `tailscale` roles: what every node needs before K3s.
enum HostRoles {
  /// Base packages, forwarding sysctls, kernel modules, swap only when asked, firewall ports
  /// only in a firewall that is already active.
  static func prerequisites(_ inputs: ProvisionInputs) -> Role {
    Role("prerequisites", tags: ["prerequisites"]) { context in
      guard let node = inputs.node(context.host) else { return [] }
      var tasks = [
        TaskSpec("host facts", HostFacts()).tagged("always"),
        TaskSpec(
          "base packages",
          Packages(["ca-certificates", "curl"] + (node.gpu ? ["gnupg", "pciutils"] : []))),
        TaskSpec(
          "kernel modules for K3s",
          KernelModules(
            file: "/etc/modules-load.d/cluster-mgr-k3s.conf", ["overlay", "br_netfilter"])),
        TaskSpec(
          "forwarding and bridge sysctls",
          Sysctl(
            file: "/etc/sysctl.d/90-cluster-mgr-k3s.conf",
            [
              ("net.ipv4.ip_forward", "1"), ("net.bridge.bridge-nf-call-iptables", "1"),
              ("net.bridge.bridge-nf-call-ip6tables", "1"),
            ]
              + (node.variables["ipv6_forwarding"]?.boolValue == true
                ? [("net.ipv6.conf.all.forwarding", "1")] : []))),
      ]
      if node.variables["disable_swap"]?.boolValue == true {
        tasks.append(
          TaskSpec(
            "swap off now",
            RunCommand("swapoff -a", unless: "[ -z \"$(swapon --show --noheadings 2>/dev/null)\" ]")))
        tasks.append(
          TaskSpec("no swap in /etc/fstab", LineInFile("/etc/fstab", absent: "^[^#].*\\sswap\\s")))
      }
      if node.name == inputs.firstServer?.name {
        tasks.append(TaskSpec("agent token password", AgentTokenPassword()).tagged("k3s", "k3s_server"))
      }
      var ports = ["10250/tcp", "8472/udp"]
      if node.role == .server {
        ports.append("\(inputs.settings.apiPort)/tcp")
        if inputs.servers.count > 1 { ports.append("2379:2380/tcp") }
      }
      tasks.append(
        TaskSpec(
          "K3s ports in an active firewall",
          FirewallPorts(
            ports: ports, source: inputs.settings.tailscaleNetwork,
            clusterNetworks: [inputs.settings.clusterCIDR, inputs.settings.serviceCIDR])))
      return tasks
    }
  }

  /// tailscaled Running and the host's address equal to the inventory's.
  static func tailscale(_ inputs: ProvisionInputs) -> Role {
    Role("tailscale", tags: ["tailscale"]) { context in
      guard let node = inputs.node(context.host) else { return [] }
      return [
        TaskSpec(
          "Tailscale is up with the inventory's address",
          TailscaleCheck(expectedIPv4: node.tailscaleIP)
        ).tagged("always")
      ]
    }
  }
}
