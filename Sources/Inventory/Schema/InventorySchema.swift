import OrderedCollections

/// Every variable cluster-mgr reads, with type, rule and default (documented in docs/inventory.md).
///
/// Variables not listed here are kept as data and passed through untouched.
public enum InventorySchema {
  /// Known variables by name, in documentation order.
  public static let variables: OrderedDictionary<String, VariableSpec> = {
    var table: OrderedDictionary<String, VariableSpec> = [:]
    for spec in nodeVariables + clusterVariables { table[spec.name] = spec }
    return table
  }()

  /// Every known variable, in documentation order.
  public static var allSpecs: [VariableSpec] { Array(variables.values) }

  /// The spec of a known variable.
  public static func spec(_ name: String) -> VariableSpec? { variables[name] }

  /// What is wrong with `value` set at dotted `path` (`["node_labels", "gpu"]`), or nil when
  /// the value fits the schema (unknown variables always fit).
  public static func problem(path: [String], value: InventoryValue) -> String? {
    guard let name = path.first, let spec = variables[name] else { return nil }
    if path.count == 1 { return spec.problem(with: value) }
    switch spec.rule {
    case .labels where path.count == 2:
      return spec.problem(with: .map([path[1]: value]))
    default:
      guard spec.kind == .mapping else {
        return
          "\(name) is not a mapping, so it has no key '\(path.dropFirst().joined(separator: "."))'; set \(name) as a whole"
      }
      return nil
    }
  }

  static let nodeVariables: [VariableSpec] = [
    VariableSpec(
      "ansible_host", .string, .hostOrAddress, level: .node,
      "Address cluster-mgr connects to over SSH (default: the inventory name)."),
    VariableSpec(
      "ansible_user", .string, .userName, level: .node, "SSH user (default: the current user)."),
    VariableSpec(
      "ansible_port", .integer, .port, level: .node, default: 22, "SSH port."),
    VariableSpec(
      "ansible_ssh_private_key_file", .string, .localPath, level: .node,
      "Private key file for SSH (default: the SSH agent, then ~/.ssh/id_ed25519)."),
    VariableSpec(
      "ansible_become_password", .string, .singleLine, level: .node, secret: true,
      "sudo password (alias ansible_become_pass); without it sudo must not ask."),
    VariableSpec(
      "ansible_become_pass", .string, .singleLine, level: .node, secret: true,
      "Older spelling of ansible_become_password."),
    VariableSpec(
      "tailscale_ip", .string, .ipAddress, level: .node,
      "The node's Tailscale address (100.x.y.z): K3s node-ip and flannel interface address."),
    VariableSpec(
      "reserved_cpu", .quantity, .cpuQuantity, level: .node,
      "CPU kept from pods for the desktop user and Kubernetes (kube-reserved), e.g. 2 or 500m."),
    VariableSpec(
      "reserved_memory", .quantity, .memoryQuantity, level: .node,
      "Memory kept from pods (kube-reserved), e.g. 4Gi."),
    VariableSpec(
      "reserved_ephemeral_storage", .quantity, .memoryQuantity, level: .node, default: "1Gi",
      "Ephemeral storage kept from pods (kube-reserved)."),
    VariableSpec(
      "system_reserved_cpu", .quantity, .cpuQuantity, level: .node, default: "500m",
      "CPU kept for the operating system (system-reserved)."),
    VariableSpec(
      "system_reserved_memory", .quantity, .memoryQuantity, level: .node, default: "1Gi",
      "Memory kept for the operating system (system-reserved)."),
    VariableSpec(
      "system_reserved_ephemeral_storage", .quantity, .memoryQuantity, level: .node,
      default: "1Gi", "Ephemeral storage kept for the operating system (system-reserved)."),
    VariableSpec(
      "disable_swap", .boolean, level: .node, default: false,
      "Turn swap off on the node (kubelet's default expects none)."),
    VariableSpec(
      "nvidia_container_toolkit_repo_url", .string, .aptRepositoryURL, level: .node,
      default: "https://nvidia.github.io/libnvidia-container/stable/deb/$(ARCH)",
      "NVIDIA's apt repository for the container toolkit ($(ARCH) becomes amd64 or arm64)."),
    VariableSpec(
      "nvidia_container_toolkit_gpgkey_url", .string, .baseURL, level: .node,
      default: "https://nvidia.github.io/libnvidia-container/gpgkey",
      "The armored key that signs that repository."),
    VariableSpec(
      "nvidia_container_toolkit_gpgkey_fingerprint", .string, .fingerprint, level: .node,
      default: "C95B321B61E88C1809C4F759DDCAE044F796ECB0",
      "The fingerprint that key must have (the only key installed)."),
    VariableSpec(
      "k3s_server_args", .k3sSettings, level: .node,
      "Extra K3s settings for servers: config.yaml keys (key: value), or a list of flags (Kubani's form)."
    ),
    VariableSpec(
      "k3s_agent_args", .k3sSettings, level: .node,
      "Extra K3s settings for agents: config.yaml keys, or a list of flags."),
    VariableSpec(
      "gpu", .boolean, level: .node, default: false,
      "The node has an NVIDIA GPU: install the container toolkit and label it for the device plugin."
    ),
    VariableSpec(
      "node_labels", .mapping, .labels, level: .node, default: .emptyMap,
      "Kubernetes labels for the node (key: value)."),
    VariableSpec(
      "node_taints", .list, .taints, level: .node, default: [],
      "Kubernetes taints for the node: key=value:Effect (NoSchedule, PreferNoSchedule, NoExecute)."),
  ]

  static let clusterVariables: [VariableSpec] = [
    VariableSpec(
      "cluster_name", .string, .dnsLabel, level: .cluster, default: "homelab",
      "Name of the cluster: kubeconfig context and banners."),
    VariableSpec(
      "k3s_version", .string, .k3sVersion, level: .cluster, default: "v1.36.4+k3s1",
      "K3s release to install, e.g. v1.31.4+k3s1; changing it upgrades servers one at a time."),
    VariableSpec(
      "k3s_release_url", .string, .baseURL, level: .cluster,
      default: "https://github.com/k3s-io/k3s/releases/download",
      "Where hosts download K3s releases and their sha256sum files (a mirror with GitHub's layout)."
    ),
    VariableSpec(
      "token", .string, .singleLine, level: .cluster, secret: true,
      "Cluster join token (k3s-ansible's name); default: generated on the first server and kept in cluster-mgr's state."
    ),
    VariableSpec(
      "k3s_token", .string, .singleLine, level: .cluster, secret: true, "Alias of token."),
    VariableSpec(
      "api_endpoint", .string, .hostOrAddress, level: .cluster,
      "Address agents join and kubeconfig points at (default: the first server's tailscale_ip)."),
    VariableSpec(
      "api_port", .integer, .port, level: .cluster, default: 6443,
      "Kubernetes API port (alias api_server_port)."),
    VariableSpec(
      "api_server_port", .integer, .port, level: .cluster, default: 6443, "Alias of api_port."),
    VariableSpec(
      "cluster_cidr", .string, .cidr, level: .cluster, default: "10.42.0.0/16",
      "Pod network."),
    VariableSpec(
      "service_cidr", .string, .cidr, level: .cluster, default: "10.43.0.0/16",
      "Service network."),
    VariableSpec(
      "cluster_dns", .string, .ipAddress, level: .cluster, default: "10.43.0.10",
      "CoreDNS service address (inside service_cidr)."),
    VariableSpec(
      "cluster_domain", .string, .dnsName, level: .cluster, default: "cluster.local",
      "Cluster DNS domain."),
    VariableSpec(
      "tailscale_network", .string, .cidr, level: .cluster, default: "100.64.0.0/10",
      "The tailnet's address range."),
    VariableSpec(
      "extra_server_args", .string, .singleLine, level: .cluster, default: "",
      "Extra k3s server flags (k3s-ansible's name)."),
    VariableSpec(
      "extra_agent_args", .string, .singleLine, level: .cluster, default: "",
      "Extra k3s agent flags (k3s-ansible's name)."),
    VariableSpec(
      "server_group", .string, .singleLine, level: .cluster, default: "server",
      "Name of the server group besides control_plane (k3s-ansible's setting)."),
    VariableSpec(
      "agent_group", .string, .singleLine, level: .cluster, default: "agent",
      "Name of the agent group besides workers (k3s-ansible's setting)."),
    VariableSpec(
      "gitops_enabled", .boolean, level: .cluster,
      "Bootstrap Flux (default: true when git_repo_url is set)."),
    VariableSpec(
      "git_repo_url", .string, .gitURL, level: .cluster,
      "Git repository Flux syncs from (https://…, ssh://…, or git@host:path)."),
    VariableSpec(
      "git_known_hosts", .string, .knownHosts, level: .cluster,
      "known_hosts line(s) of the Git host, for an SSH git_repo_url."),
    VariableSpec(
      "git_branch", .string, .gitBranch, level: .cluster, default: "main", "Branch Flux syncs."),
    VariableSpec(
      "git_path", .string, .repositoryPath, level: .cluster, default: "./gitops",
      "Path in the repository holding the cluster's kustomization."),
    VariableSpec(
      "flux_namespace", .string, .dnsLabel, level: .cluster, default: "flux-system",
      "Namespace for Flux."),
    VariableSpec(
      "flux_version", .string, .releaseVersion, level: .cluster, default: "v2.9.4",
      "Flux release to install."),
    VariableSpec(
      "flux_install_sha256", .string, .sha256, level: .cluster,
      "sha256 of the Flux release's install.yaml (default: the one cluster-mgr ships for flux_version)."
    ),
    VariableSpec(
      "flux_release_url", .string, .baseURL, level: .cluster,
      default: "https://github.com/fluxcd/flux2/releases/download",
      "Where Flux releases are downloaded from (a mirror with GitHub's layout)."),
    VariableSpec(
      "sops_age_key_file", .string, .localPath, level: .cluster,
      "age key file on the workstation (~ expanded) that Flux decrypts SOPS-encrypted manifests with: applied as the Secret sops-age."
    ),
    VariableSpec(
      "gpu_time_slicing_enabled", .boolean, level: .cluster, default: false,
      "Share each GPU between pods by time slicing."),
    VariableSpec(
      "gpu_time_slicing_replicas", .integer, .timeSlicingReplicas, level: .cluster, default: 4,
      "How many pods share one GPU when time slicing is on (2 or more)."),
    VariableSpec(
      "nvidia_device_plugin_version", .string, .releaseVersion, level: .cluster, default: "v0.20.0",
      "NVIDIA k8s-device-plugin release."),
    VariableSpec(
      "manage_firewall", .boolean, level: .cluster, default: false,
      "Open the K3s ports in the host firewall (left alone by default)."),
  ]
}
