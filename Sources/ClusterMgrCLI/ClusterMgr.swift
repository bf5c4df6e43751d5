import ArgumentParser

/// The `cluster-mgr` command: a K3s cluster from the machines of a Tailscale tailnet.
@main
struct ClusterMgr: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "cluster-mgr",
    abstract: "Turn the machines of your Tailscale tailnet into a K3s cluster.",
    discussion: """
      cluster-mgr reads an Ansible-compatible inventory (inventory/hosts.yml by default), \
      discovers nodes through the local tailscaled, and provisions K3s, NVIDIA GPU support \
      and Flux over SSH, idempotently and in parallel.
      """,
    version: BuildInfo.version,
    subcommands: [
      Version.self, Discover.self, InventoryCommand.self, ConfigGet.self, ConfigSet.self,
      History.self,
    ]
  )
}
