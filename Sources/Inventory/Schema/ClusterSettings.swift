import OrderedCollections

/// Cluster-wide settings as the cluster's hosts get them (set under `all`, a group they all
/// share, or `--extra-vars`), with the defaults documented in docs/inventory.md.
public struct ClusterSettings: Hashable, Sendable {
  /// `cluster_name` (default `homelab`).
  public var clusterName: String
  /// `k3s_version` (default: the release cluster-mgr was tested with).
  public var k3sVersion: String
  /// `k3s_release_url`: the base URL of K3s release downloads.
  public var k3sReleaseURL: String
  /// `token` or `k3s_token` (a secret); nil means generate on the first server.
  public var token: String?
  /// `api_endpoint`; nil means the first server's `tailscale_ip`.
  public var apiEndpoint: String?
  /// `api_port` or `api_server_port` (default 6443).
  public var apiPort: Int
  /// `cluster_cidr` (default `10.42.0.0/16`).
  public var clusterCIDR: String
  /// `service_cidr` (default `10.43.0.0/16`).
  public var serviceCIDR: String
  /// `cluster_dns` (default `10.43.0.10`).
  public var clusterDNS: String
  /// `cluster_domain` (default `cluster.local`).
  public var clusterDomain: String
  /// `tailscale_network` (default `100.64.0.0/10`).
  public var tailscaleNetwork: String
  /// `extra_server_args` (default empty).
  public var extraServerArgs: String
  /// `extra_agent_args` (default empty).
  public var extraAgentArgs: String
  /// `gitops_enabled` (default: true exactly when `git_repo_url` is set).
  public var gitopsEnabled: Bool
  /// `git_repo_url`, as Flux takes it (an scp-like `git@host:path` is given as `ssh://git@host/path`).
  public var gitRepoURL: String?
  /// `git_branch` (default `main`).
  public var gitBranch: String
  /// `git_path` (default `./gitops`).
  public var gitPath: String
  /// `flux_namespace` (default `flux-system`).
  public var fluxNamespace: String
  /// `flux_version` (default `v2.9.4`).
  public var fluxVersion: String
  /// `flux_release_url`: the base URL of Flux release downloads.
  public var fluxReleaseURL: String
  /// `flux_install_sha256`: the expected sha256 of the Flux install manifest, when set.
  public var fluxInstallSHA256: String?
  /// `sops_age_key_file`: the age key file (on the workstation, `~` not yet expanded) whose key
  /// Flux decrypts SOPS-encrypted manifests with; nil: no decryption.
  public var sopsAgeKeyFile: String?
  /// `gpu_time_slicing_enabled` (default false).
  public var gpuTimeSlicingEnabled: Bool
  /// `gpu_time_slicing_replicas` (default 4).
  public var gpuTimeSlicingReplicas: Int
  /// `nvidia_device_plugin_version` (default `v0.20.0`).
  public var nvidiaDevicePluginVersion: String
  /// `manage_firewall` (default false).
  public var manageFirewall: Bool
}

extension ResolvedInventory {
  /// The cluster-wide settings with defaults filled in.
  ///
  /// Values of the wrong type fall back to the default; ``InventoryValidator`` reports them.
  public var clusterSettings: ClusterSettings {
    let source = clusterHostNames.first
    func value(_ name: String) -> InventoryValue? {
      let set = clusterSetting(name, from: source)
      if let set, !set.isTemplate, InventorySchema.spec(name)?.problem(with: set) == nil {
        return set
      }
      return nil
    }
    func string(_ name: String) -> String {
      value(name)?.stringValue ?? InventorySchema.spec(name)?.defaultValue?.stringValue ?? ""
    }
    func int(_ name: String) -> Int {
      value(name)?.intValue ?? InventorySchema.spec(name)?.defaultValue?.intValue ?? 0
    }
    func bool(_ name: String) -> Bool {
      value(name)?.boolValue ?? InventorySchema.spec(name)?.defaultValue?.boolValue ?? false
    }
    func baseURL(_ name: String) -> String {
      var url = string(name)
      while url.hasSuffix("/") { url.removeLast() }
      return url
    }
    // scp-like `git@host:org/repo.git` becomes `ssh://git@host/org/repo.git`: Flux's
    // GitRepository accepts only http(s):// and ssh:// URLs.
    let repository = value("git_repo_url")?.stringValue.flatMap(ValueRules.gitURL)
    return ClusterSettings(
      clusterName: string("cluster_name"), k3sVersion: string("k3s_version"),
      k3sReleaseURL: baseURL("k3s_release_url"),
      token: value("token")?.stringValue ?? value("k3s_token")?.stringValue,
      apiEndpoint: value("api_endpoint")?.stringValue,
      apiPort: value("api_port")?.intValue ?? int("api_server_port"),
      clusterCIDR: string("cluster_cidr"), serviceCIDR: string("service_cidr"),
      clusterDNS: string("cluster_dns"), clusterDomain: string("cluster_domain"),
      tailscaleNetwork: string("tailscale_network"),
      extraServerArgs: string("extra_server_args"), extraAgentArgs: string("extra_agent_args"),
      gitopsEnabled: value("gitops_enabled")?.boolValue ?? (repository != nil),
      gitRepoURL: repository, gitBranch: string("git_branch"), gitPath: string("git_path"),
      fluxNamespace: string("flux_namespace"), fluxVersion: string("flux_version"),
      fluxReleaseURL: baseURL("flux_release_url"),
      fluxInstallSHA256: value("flux_install_sha256")?.stringValue,
      sopsAgeKeyFile: value("sops_age_key_file")?.stringValue,
      gpuTimeSlicingEnabled: bool("gpu_time_slicing_enabled"),
      gpuTimeSlicingReplicas: int("gpu_time_slicing_replicas"),
      nvidiaDevicePluginVersion: string("nvidia_device_plugin_version"),
      manageFirewall: bool("manage_firewall"))
  }
}
