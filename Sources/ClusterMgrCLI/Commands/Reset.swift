import ArgumentParser
import Basics
import ClusterOps
import Foundation
import Inventory
import SSHTransport

extension ClusterMgr {
  /// `cluster-mgr reset`: tear the cluster down.
  struct Reset: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract:
        "Tear the cluster down: uninstall K3s from every host and forget its kubeconfig context.",
      discussion: """
        Uninstalls K3s from every inventory host — agents first, then the servers one at a \
        time, the first server last — with the uninstall script provision installs (what \
        k3s-killall.sh and k3s-uninstall.sh do: processes, containers, mounts, network \
        interfaces, iptables rules, units, binary, data directories), removes cluster-mgr's \
        files there (/var/lib/cluster-mgr, its modules-load.d and sysctl.d files, the uninstall \
        script), and removes the cluster's context, cluster and user from the workstation's \
        kubeconfig (other contexts stay). Tailscale, the NVIDIA container toolkit, the \
        inventory, backups, the run history and the Flux deploy key are left alone. --check \
        lists what is there to remove and changes nothing. Asks for confirmation on a terminal \
        (--force skips the question; without a terminal --force is required). Holds this \
        machine's lock and the cluster lock while it runs. Exit status: 0 done, 1 an uninstall \
        failed, 4 hosts could not be reached (nothing was removed there), 130 interrupted.
        """)

    @Flag(name: [.customShort("C"), .long], help: "List what would be removed; change nothing.")
    var check = false

    @Flag(help: "Do not ask for confirmation.")
    var force = false

    @Flag(
      help:
        "Remove a cluster lock another cluster-mgr command left on the first server (it says whose), then go on."
    )
    var forceUnlock = false

    @Option(
      help: ArgumentHelp(
        "The kubeconfig to remove the cluster's context from (default: $KUBECONFIG, else ~/.kube/config).",
        valueName: "path"))
    var kubeconfig: String?

    @Flag(help: "Leave the workstation's kubeconfig as it is.")
    var keepKubeconfig = false

    @OptionGroup var inventory: InventoryOptions
    @OptionGroup var connection: ConnectionOptions

    func validate() throws {
      if check && (forceUnlock || force) {
        throw ValidationError("--check changes nothing: leave out --force and --force-unlock.")
      }
    }

    func run() async throws {
      try await reportingOperatorErrors {
        SignalHandling.install()
        let context = try await connection.context(inventory)
        let warn: (String) -> Void = { printToStandardError("warning: " + $0) }
        let server = try await context.lockServer(warn: warn)
        let path = keepKubeconfig ? nil : kubeconfig ?? ProvisionOperation.defaultKubeconfigPath
        let result = try await context.holdingLocks(
          server: server, forceUnlock: forceUnlock, checkOnly: check, warn: warn
        ) { () async throws -> ResetResult? in
          let plan = await ResetOperation.plan(context: context, kubeconfigPath: path)
          describe(plan)
          if check { return nil }
          if !force {
            try Confirmation.ask(
              "Tear down the cluster \(plan.cluster) on \(plan.hosts.count) host\(plan.hosts.count == 1 ? "" : "s")?",
              refusal: "reset removes K3s and the cluster's data from every host")
          }
          return try await ResetOperation.run(
            plan, context: context, lockServer: server, interruption: Interruption.shared
          ) { printProgress($0) }
        }
        guard let result else {
          await context.sessions.closeAll()
          print("--check: nothing was changed")
          return
        }
        await ResetOperation.removeStateDirectory(on: server, context: context)
        await context.sessions.closeAll()
        report(result)
        if result.exitStatus != ExitStatus.success { throw ExitCode(result.exitStatus) }
      }
    }

    /// What is there to remove, host by host, in teardown order.
    func describe(_ plan: ResetPlan) {
      print("reset cluster \(plan.cluster): K3s and cluster-mgr's files, in this order:")
      for (index, host) in plan.hosts.enumerated() {
        let role = host.role == .server ? "server" : "agent"
        if let unreachable = host.unreachable {
          print(
            "  \(index + 1). \(host.name) (\(role)): UNREACHABLE, nothing can be removed: \(unreachable)"
          )
        } else {
          print(
            "  \(index + 1). \(host.name) (\(role)): \(host.isEmpty ? "nothing to remove" : host.found ?? "")"
          )
        }
      }
      if let kubeconfig = plan.kubeconfig {
        print(
          kubeconfig.hasContext
            ? "  workstation: the context, cluster and user \(plan.cluster) in \(kubeconfig.path) (other contexts stay)"
            : "  workstation: \(kubeconfig.path) has no context \(plan.cluster)")
      }
      print("  kept: Tailscale, the inventory, backups, the run history, the Flux deploy key")
    }

    func report(_ result: ResetResult) {
      if !result.reset.isEmpty { print("reset: \(result.reset.joined(separator: ", "))") }
      for (host, reason) in result.unreachable {
        printToStandardError(
          "warning: \(host) could not be reached, K3s is still there: \(reason)\n  when it is back, run cluster-mgr reset again (or sudo \(RemoveNodeOperation.uninstallScript) there)"
        )
      }
      for (host, reason) in result.failed { printToStandardError("error: \(host): \(reason)") }
      if let warning = result.historyWarning {
        printToStandardError("warning: run history: \(warning)")
      }
      if let id = result.runID { print("run #\(id) recorded (cluster-mgr history show \(id))") }
    }
  }
}
