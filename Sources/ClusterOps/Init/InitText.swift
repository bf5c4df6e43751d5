import Foundation
import Inventory

/// The fixed text of a new inventory: its explaining header and where its files go.
enum InitText {
  /// The K3s release cluster-mgr pins by default (the schema's default of `k3s_version`).
  static var defaultK3sVersion: InventoryValue {
    InventorySchema.spec("k3s_version")?.defaultValue ?? .null
  }

  /// `group_vars/all.yml` next to the inventory, when the request asks for group_vars.
  static func groupVarsPath(_ request: InitRequest) -> String? {
    guard request.groupVars else { return nil }
    let directory = (request.inventoryPath as NSString).deletingLastPathComponent
    return ((directory.isEmpty ? "." : directory) as NSString)
      .appendingPathComponent("group_vars/all.yml")
  }

  /// The inventory before any host or setting: comments and an empty `all` group.
  static func inventoryHeader(_ request: InitRequest) -> String {
    let settings =
      request.groupVars
      ? "#   group_vars/all.yml  settings for the whole cluster (docs/inventory.md lists every one)"
      : "#   all: vars:          settings for the whole cluster (docs/inventory.md lists every one)"
    return """
      # The inventory of the K3s cluster \(request.clusterName), written by `cluster-mgr init`.
      #
      # An Ansible YAML inventory (ansible-inventory reads it too):
      \(settings)
      #   control_plane       K3s servers; the first one starts the cluster (use 1, or 3 for HA)
      #   workers             K3s agents, where your workloads run
      # Each host is named after its machine (K3s registers the node under that name) and has
      # its Tailscale address as ansible_host (where cluster-mgr connects over SSH) and as
      # tailscale_ip (the address K3s uses). A workstation keeps CPU and memory for its user
      # with reserved_cpu and reserved_memory; a GPU machine has gpu: true.
      #
      # Next: cluster-mgr ping, then cluster-mgr provision --check --diff.
      # Change it with cluster-mgr config-set KEY VALUE [--scope HOST] and cluster-mgr add-node.
      all:

      """
  }

  /// `group_vars/all.yml` before its settings.
  static func groupVarsHeader(_ request: InitRequest) -> String {
    """
    # Settings for the whole cluster \(request.clusterName), written by `cluster-mgr init`.
    # docs/inventory.md lists every variable and its default.

    """
  }
}
