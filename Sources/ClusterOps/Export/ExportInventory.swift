import Foundation
import Inventory
import OrderedCollections

/// The inventory edits that describe an exported cluster: cluster-wide settings in `all`'s
/// vars, servers in `control_plane` (the one that started the cluster first), agents in
/// `workers`, each host with its address and what cluster-mgr owns on its node.
struct ExportInventory {
  let cluster: ExportedCluster
  let clusterName: String
  /// SSH settings written for every host (`ansible_user`, `ansible_ssh_private_key_file`).
  let user: String?
  let keyFile: String?
  /// Tailscale IPv4 by node name, from the tailnet.
  let tailnetAddresses: [String: String]
  /// The NVIDIA apt repository a GPU node uses (its list file and key), when there is one.
  let nvidiaRepository: (url: String, fingerprint: String)?

  /// The servers in inventory order: the one that started the cluster first.
  var servers: [ExportedNode] {
    let servers = cluster.nodes.filter(\.isServer).sorted { $0.name < $1.name }
    guard servers.count > 1 else { return servers }
    let joinedTo = Set(
      servers.compactMap { $0.arguments.value("server") }.compactMap {
        URL(string: $0)?.host
      })
    let first =
      servers.first { $0.arguments.value("cluster-init") == "true" }
      ?? servers.first { $0.internalIP.map(joinedTo.contains) ?? false }
      ?? servers.min { ($0.created ?? "") < ($1.created ?? "") }!
    return [first] + servers.filter { $0.name != first.name }
  }

  /// The agents, by name.
  var agents: [ExportedNode] { cluster.nodes.filter { !$0.isServer }.sorted { $0.name < $1.name } }

  /// Every edit, cluster settings first.
  func edits() -> [InventoryEdit] {
    var edits = clusterVariables().map {
      InventoryEdit.setVariable(key: $0.key, value: $0.value, scope: .all)
    }
    for node in servers {
      edits.append(
        .addHost(name: node.name, group: "control_plane", variables: hostVariables(node)))
    }
    for node in agents {
      edits.append(.addHost(name: node.name, group: "workers", variables: hostVariables(node)))
    }
    return edits
  }

  /// `all`'s vars: the cluster's name and version, the SSH settings, and every setting that
  /// differs from cluster-mgr's default.
  func clusterVariables() -> OrderedDictionary<String, InventoryValue> {
    var vars: OrderedDictionary<String, InventoryValue> = ["cluster_name": .string(clusterName)]
    if let version = servers.first?.kubeletVersion { vars["k3s_version"] = .string(version) }
    if let user { vars["ansible_user"] = .string(user) }
    if let keyFile { vars["ansible_ssh_private_key_file"] = .string(keyFile) }
    if let first = servers.first {
      let args = first.arguments
      let settings: [(String, String?)] = [
        ("cluster_cidr", args.value("cluster-cidr")), ("service_cidr", args.value("service-cidr")),
        ("cluster_dns", args.value("cluster-dns")),
        ("cluster_domain", args.value("cluster-domain")),
      ]
      for (name, value) in settings where value != nil && value != defaultText(name) {
        vars[name] = .string(value!)
      }
      if let port = args.value("https-listen-port").flatMap(Int.init), port != 6443 {
        vars["api_port"] = .int(port)
      }
      if let endpoint = apiEndpoint(first) { vars["api_endpoint"] = .string(endpoint) }
    }
    if let repository = nvidiaRepository {
      if repository.url != defaultText("nvidia_container_toolkit_repo_url") {
        vars["nvidia_container_toolkit_repo_url"] = .string(repository.url)
        vars["nvidia_container_toolkit_gpgkey_url"] = .string(
          repository.url.replacingOccurrences(of: "/stable/deb/$(ARCH)", with: "/gpgkey"))
      }
      if repository.fingerprint != defaultText("nvidia_container_toolkit_gpgkey_fingerprint") {
        vars["nvidia_container_toolkit_gpgkey_fingerprint"] = .string(repository.fingerprint)
      }
    }
    if let plugin = cluster.devicePlugin {
      if let replicas = plugin.timeSlicingReplicas {
        vars["gpu_time_slicing_enabled"] = .bool(true)
        vars["gpu_time_slicing_replicas"] = .int(replicas)
      }
      if let version = plugin.version, version != defaultText("nvidia_device_plugin_version") {
        vars["nvidia_device_plugin_version"] = .string(version)
      }
    }
    if let flux = cluster.flux {
      vars["git_repo_url"] = .string(flux.url)
      if let branch = flux.branch, branch != defaultText("git_branch") {
        vars["git_branch"] = .string(branch)
      }
      if let path = flux.path, path != defaultText("git_path") { vars["git_path"] = .string(path) }
      if let knownHosts = flux.knownHosts, !knownHosts.isEmpty {
        vars["git_known_hosts"] = .string(knownHosts)
      }
      if let version = flux.version, version != defaultText("flux_version") {
        vars["flux_version"] = .string(version)
      }
    }
    return vars
  }

  /// A host's variables: its address, role extras and what cluster-mgr owns on its node.
  func hostVariables(_ node: ExportedNode) -> OrderedDictionary<String, InventoryValue> {
    var vars: OrderedDictionary<String, InventoryValue> = [:]
    if let address = tailnetAddresses[node.name] ?? node.internalIP {
      vars["ansible_host"] = .string(address)
      vars["tailscale_ip"] = .string(address)
    }
    if node.gpu { vars["gpu"] = .bool(true) }
    for (name, value) in node.reservationVariables { vars[name] = value }
    if !node.labels.isEmpty { vars["node_labels"] = .map(node.labels.mapValues { .string($0) }) }
    if !node.taints.isEmpty { vars["node_taints"] = .list(node.taints.map { .string($0) }) }
    return vars
  }

  /// The `tls-san` cluster-mgr adds for `api_endpoint`: not the node's address, not a MagicDNS
  /// name.
  func apiEndpoint(_ server: ExportedNode) -> String? {
    (server.arguments.values["tls-san"] ?? []).first {
      $0 != server.internalIP && !$0.hasSuffix(".ts.net") && tailnetAddresses[server.name] != $0
    }
  }

  /// What the export cannot write: K3s flags cluster-mgr does not set, and nodes whose
  /// version or address is not the cluster's.
  func warnings() -> [String] {
    var warnings: [String] = []
    let known: Set<String> = [
      "node-name", "node-ip", "advertise-address", "flannel-iface", "tls-san", "cluster-cidr",
      "service-cidr", "cluster-dns", "cluster-domain", "write-kubeconfig-mode",
      "https-listen-port", "cluster-init", "server", "token", "agent-token", "kubelet-arg",
      "node-label", "node-taint",
    ]
    for node in servers + agents {
      let extra = node.arguments.values.keys.filter { !known.contains($0) }
      if !extra.isEmpty {
        warnings.append(
          "\(node.name) runs K3s with --\(extra.joined(separator: ", --")), which the inventory does "
            + "not set: add them as k3s_\(node.isServer ? "server" : "agent")_args")
      }
      let kubelet = (node.arguments.values["kubelet-arg"] ?? []).filter {
        !$0.hasPrefix("kube-reserved=") && !$0.hasPrefix("system-reserved=")
      }
      if !kubelet.isEmpty {
        warnings.append(
          "\(node.name) runs kubelet with \(kubelet.joined(separator: ", ")), which the inventory does not set"
        )
      }
      if let version = node.kubeletVersion, let pinned = servers.first?.kubeletVersion,
        version != pinned
      {
        warnings.append("\(node.name) runs K3s \(version), not \(pinned) like the first server")
      }
      if let address = tailnetAddresses[node.name], let ip = node.internalIP, address != ip {
        warnings.append(
          "\(node.name): the tailnet gives it \(address) but K3s uses \(ip); the inventory takes the tailnet's"
        )
      }
      if tailnetAddresses[node.name] == nil {
        warnings.append(
          "\(node.name) is not in the tailnet under that name; its address is the node's InternalIP"
        )
      }
    }
    return warnings
  }

  private func defaultText(_ name: String) -> String? {
    InventorySchema.spec(name)?.defaultValue?.stringValue
  }
}
