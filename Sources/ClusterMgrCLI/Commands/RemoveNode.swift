import ArgumentParser
import Basics
import ClusterOps
import Foundation
import Inventory
import OrderedCollections
import SSHTransport

extension ClusterMgr {
  /// `cluster-mgr remove-node NAME`: take a node out of the cluster and the inventory.
  struct RemoveNode: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "remove-node",
      abstract:
        "Drain a node, delete it from the cluster, uninstall K3s on it, and remove it from the inventory.",
      discussion: """
        Asks for confirmation on a terminal (--force skips the question; without a terminal \
        --force is required). Refuses to remove the last control-plane node. For a server of an \
        embedded-etcd cluster (more than one server) it checks quorum first (a majority of the \
        servers Ready now, and of those left after) and takes an etcd snapshot before changing \
        anything. Steps: drain (cordon, then evict the pods through the Eviction API, so \
        PodDisruptionBudgets are respected: a pod a budget protects is asked for again every 5 s \
        until the budget allows it or --drain-timeout passes, and the error names the pod; \
        DaemonSet pods stay; pods with emptyDir data only with --delete-emptydir-data), delete the Node \
        while the host is up, run the uninstall script on the host (if it cannot be reached, \
        this is said and the exit status is 4), remove the host and the comment lines above it \
        from the inventory. Recorded in the run history.

        Holds this machine's lock on the cluster and the cluster lock on the first server \
        while it runs (--force-unlock removes a lock another command left, saying whose). \
        Ctrl-C lets the running step finish, starts no further step and exits 130.
        """)

    @Argument(help: "The node's inventory name.")
    var name: String

    @Flag(help: "Delete the node without draining it first.")
    var noDrain = false

    @Flag(help: "Do not ask for confirmation.")
    var force = false

    @Flag(help: "Leave the host in the inventory.")
    var keepInventory = false

    @Option(help: ArgumentHelp("The longest the drain may take.", valueName: "seconds"))
    var drainTimeout = 300

    @Flag(help: "Evict pods with emptyDir volumes too when draining (their data is lost).")
    var deleteEmptydirData = false

    @Flag(
      help:
        "Remove a cluster lock another cluster-mgr command left on the first server (it says whose), then go on."
    )
    var forceUnlock = false

    @OptionGroup var inventory: InventoryOptions
    @OptionGroup var connection: ConnectionOptions

    func validate() throws {
      if drainTimeout < 1 { throw ValidationError("--drain-timeout must be at least 1 second.") }
    }

    func run() async throws {
      try await reportingOperatorErrors {
        var request = RemoveNodeRequest(inventoryPath: inventory.path, name: name)
        request.drain = !noDrain
        request.drainTimeoutSeconds = drainTimeout
        request.deleteEmptyDirData = deleteEmptydirData
        request.keepInventory = keepInventory
        SignalHandling.install()
        let context = try await connection.context(inventory)
        let warn: (String) -> Void = { printToStandardError("warning: " + $0) }
        let server = try await context.lockServer(removing: name, warn: warn)
        let (plan, result) = try await context.holdingLocks(
          server: server, forceUnlock: forceUnlock, warn: warn
        ) {
          let isServer = context.node(name)?.role == .server
          let access = ClusterAccess(context: context, excluding: isServer ? [name] : [])
          do {
            let plan = try await RemoveNodeOperation.plan(
              request, context: context, access: access)
            try confirm(plan, cluster: context.settings.clusterName)
            let result = try await RemoveNodeOperation.run(
              plan, request: request, context: context, access: access,
              interruption: Interruption.shared
            ) {
              printProgress($0)
            }
            await access.closeAPI()
            return (plan, result)
          } catch {
            await access.closeAPI()
            throw error
          }
        }
        await context.sessions.closeAll()
        if let written = result.inventory {
          for (file, change) in written.changes {
            print(LineDiff.unified(old: change.old, new: change.new, file: file), terminator: "")
          }
          for backup in written.backups.values { print("backup: " + backup) }
        }
        if plan.node.role == .server, context.servers.first?.name == name,
          let next = context.servers.dropFirst().first
        {
          print(
            "note: \(name) was the first server; run `cluster-mgr provision` so that the other nodes and your "
              + "kubeconfig point at \(next.name)")
        }
        if let warning = result.historyWarning {
          printToStandardError("warning: run history: \(warning)")
        }
        if let id = result.runID { print("run #\(id) recorded (cluster-mgr history show \(id))") }
        if result.exitStatus != ExitStatus.success { throw ExitCode(result.exitStatus) }
      }
    }

    /// Shows the plan and, without --force, asks.
    func confirm(_ plan: RemoveNodePlan, cluster: String) throws {
      let kind = plan.node.role == .server ? "server (control plane)" : "agent (worker)"
      print("remove \(name), \(kind), from cluster \(cluster):")
      if let (total, ready) = plan.controlPlane {
        print(
          "  servers: \(ready) of \(total) Ready\(plan.embeddedEtcd ? " (embedded etcd: quorum kept)" : "")"
        )
      }
      for (index, step) in plan.steps.enumerated() { print("  \(index + 1). \(step)") }
      if !force {
        try Confirmation.ask("Remove \(name)?", refusal: "remove-node changes the cluster")
      }
    }
  }
}

/// Asks a yes/no question on the terminal before a destructive step.
enum Confirmation {
  /// Asks `question` when standard input is a terminal; throws unless the answer is yes, and
  /// refuses outright without a terminal (`--force` is the way to say yes in a script).
  static func ask(_ question: String, refusal: String) throws {
    guard isatty(STDIN_FILENO) == 1 else {
      throw ConfirmationError(
        message: "\(refusal) and asks for confirmation, but standard input is not a terminal",
        remedy: "run it in a terminal, or add --force")
    }
    FileHandle.standardError.write(Data("\(question) [y/N] ".utf8))
    let answer = try readLine().trimmingCharacters(in: .whitespaces).lowercased()
    guard answer == "y" || answer == "yes" else {
      throw ConfirmationError(message: "not confirmed; nothing was changed", remedy: nil)
    }
  }

  /// One line from standard input; Ctrl-C (whose default action the signal handlers turned
  /// off) ends the wait with an interruption: nothing was changed yet.
  static func readLine() throws -> String {
    var bytes: [UInt8] = []
    while true {
      if Interruption.shared.isRequested {
        throw OperationInterrupted(
          "at the question; nothing was changed", interruption: Interruption.shared)
      }
      var descriptor = pollfd(fd: STDIN_FILENO, events: Int16(POLLIN), revents: 0)
      guard poll(&descriptor, 1, 200) > 0 else { continue }
      var byte: UInt8 = 0
      guard read(STDIN_FILENO, &byte, 1) == 1, byte != UInt8(ascii: "\n") else { break }
      bytes.append(byte)
    }
    return String(decoding: bytes, as: UTF8.self)
  }
}

/// The user did not confirm (or could not be asked).
struct ConfirmationError: OperatorError {
  let message: String
  let remedy: String?
  var exitStatus: Int32 { ExitStatus.invalidInput }
}
