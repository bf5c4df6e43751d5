import Engine
import Foundation
import Inventory
import Roles
import Testing

/// The inventories whose rendered files and plans are kept as goldens (Golden/<name>/).
struct GoldenInventory: Sendable, CustomTestStringConvertible {
  /// The golden directory's name.
  let name: String
  /// The inventory (YAML).
  let yaml: String

  var testDescription: String { name }

  /// A single server that also syncs a Git repository with Flux (SSH deploy key, SOPS
  /// decryption with an age key).
  static let server = GoldenInventory(
    name: "server",
    yaml: """
      all:
        vars:
          cluster_name: home
          k3s_version: v1.31.4+k3s1
          git_repo_url: ssh://git@git.example.com/home/fleet.git
          git_known_hosts: \(gitKnownHosts)
          git_path: ./clusters/home
          sops_age_key_file: ~/.config/sops/age/keys.txt
        children:
          control_plane:
            hosts:
              cp1: {tailscale_ip: 100.64.0.1}

      """)

  /// Three servers with embedded etcd behind an API endpoint: cp2 and cp3 join cp1.
  static let ha = GoldenInventory(
    name: "ha",
    yaml: """
      all:
        vars:
          cluster_name: ha
          k3s_version: v1.31.4+k3s1
          api_endpoint: 100.64.2.10
        children:
          server:
            hosts:
              cp1: {tailscale_ip: 100.64.2.11}
              cp2: {tailscale_ip: 100.64.2.12}
              cp3: {tailscale_ip: 100.64.2.13}

      """)

  /// A server and a plain agent.
  static let agent = GoldenInventory(
    name: "agent",
    yaml: """
      all:
        vars:
          cluster_name: home
          k3s_version: v1.31.4+k3s1
        children:
          control_plane:
            hosts:
              cp1: {tailscale_ip: 100.64.0.1}
          workers:
            hosts:
              w1: {tailscale_ip: 100.64.0.2}

      """)

  /// A server and a GPU agent with time-slicing, a label and a taint.
  static let gpuAgent = GoldenInventory(
    name: "gpu-agent",
    yaml: """
      all:
        vars:
          cluster_name: gpu-lab
          k3s_version: v1.31.4+k3s1
          gpu_time_slicing_enabled: true
          gpu_time_slicing_replicas: 4
        children:
          control_plane:
            hosts:
              cp1: {tailscale_ip: 100.64.1.10}
          workers:
            hosts:
              gpu-box:
                tailscale_ip: 100.64.1.20
                gpu: true
                node_labels: {accelerator: nvidia}
                node_taints: [nvidia.com/gpu=present:NoSchedule]

      """)

  /// A server and a workstation agent: reservations for its user, labels (one of them reserved
  /// for the API), taints, and K3s extras from both the map and the flag string.
  static let workstation = GoldenInventory(
    name: "workstation",
    yaml: """
      all:
        vars:
          cluster_name: home
          k3s_version: v1.31.4+k3s1
          extra_agent_args: --node-label=from=extra-args
        children:
          control_plane:
            hosts:
              cp1: {tailscale_ip: 100.64.3.10}
          workers:
            hosts:
              desk:
                tailscale_ip: 100.64.3.20
                reserved_cpu: "4"
                reserved_memory: 8Gi
                node_labels:
                  mobility: desk
                  node-role.kubernetes.io/desktop: "true"
                node_taints:
                  - workstation=true:PreferNoSchedule
                k3s_agent_args:
                  kubelet-arg: [max-pods=60]

      """)

  static let all = [server, ha, agent, gpuAgent, workstation]

  /// The Git host's key in ``server``.
  static let gitKnownHosts =
    "git.example.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAABAgMEBQYHCAkKCwwNDg8QERITFBUWFxgZGhscHR4f"

  /// A made-up age key file (what ``server`` applies as the Secret sops-age).
  static let ageKey =
    "# created: 2026-01-01T00:00:00Z\n# public key: age1golden\nAGE-SECRET-KEY-1GOLDENTESTKEYGOLDENTESTKEYGOLDENTESTKEYGOLDENTESTKEY\n"

  /// What the site needs, with the checkout's role files and Flux's pinned release (a fixed,
  /// made-up deploy key: no key is generated).
  func inputs() throws -> ProvisionInputs {
    let loaded = try InventoryLoader.load(path: "hosts.yml", text: yaml)
    let settings = loaded.clusterSettings
    var flux: FluxInputs?
    if settings.gitopsEnabled {
      flux = FluxInputs(
        install: try FluxRelease.download(
          version: settings.fluxVersion, baseURL: settings.fluxReleaseURL, sha256: nil),
        deployKey: .init(
          privateKey:
            "-----BEGIN OPENSSH PRIVATE KEY-----\ngolden-test-key\n-----END OPENSSH PRIVATE KEY-----\n",
          publicKey:
            "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB8eHRwbGhkYFxYVFBMSERAPDg0MCwoJCAcGBQQDAgEA cluster-mgr@home",
          knownHosts: Self.gitKnownHosts),
        sopsAgeKey: settings.sopsAgeKeyFile.map { _ in Self.ageKey })
    }
    return ProvisionInputs(
      nodes: try loaded.nodes(), settings: settings, roleFiles: GoldenFiles.roleFiles, flux: flux)
  }
}
