import Basics
import Foundation
import Inventory
import Kubernetes
import RunHistory
import SSHTransport

/// What `cluster-mgr remove-node` was asked to do.
public struct RemoveNodeRequest: Sendable {
  /// The inventory file.
  public var inventoryPath: String
  /// The node's inventory name.
  public var name: String
  /// Drain the node before deleting it.
  public var drain = true
  /// The longest the drain may take.
  public var drainTimeoutSeconds = 300
  /// Evict pods with emptyDir data too (their data is lost).
  public var deleteEmptyDirData = false
  /// Leave the host in the inventory.
  public var keepInventory = false

  /// A request to remove `name`.
  public init(inventoryPath: String, name: String) {
    self.inventoryPath = inventoryPath
    self.name = name
  }
}

/// The checked removal: what the cluster looks like and which steps will run.
public struct RemoveNodePlan: Sendable {
  /// The node as the inventory describes it.
  public let node: NodeSpec
  /// The Node object exists in the cluster.
  public let inCluster: Bool
  /// The Node's name in the cluster (it may differ from the inventory name when the Node was
  /// found by its Tailscale address): drain and delete act on this name.
  public let clusterNodeName: String?
  /// The node is a server of an embedded-etcd cluster (more than one server): a snapshot is
  /// taken first and quorum was checked.
  public let embeddedEtcd: Bool
  /// Control-plane nodes in the cluster and how many are Ready (servers only).
  public let controlPlane: (total: Int, ready: Int)?
  /// The steps, in order, in words (for the confirmation).
  public let steps: [String]
  /// The server whose API is used.
  public let server: String
}

/// What a removal did.
public struct RemoveNodeResult: Sendable {
  /// The snapshot taken first, on `server` (embedded etcd only).
  public var snapshot: (server: String, path: String)?
  /// K3s was uninstalled from the host (false: unreachable, or nothing to uninstall).
  public var uninstalled = false
  /// Why K3s could not be uninstalled, when the host was unreachable.
  public var uninstallSkipped: String?
  /// The inventory change.
  public var inventory: InventoryFile.WriteResult?
  /// The run's number in the history.
  public var runID: Int64?
  /// A history problem (the removal itself still happened).
  public var historyWarning: String?

  /// 0 when every step was done, 4 when the host could not be reached for the uninstall.
  public var exitStatus: Int32 {
    uninstallSkipped == nil ? ExitStatus.success : ExitStatus.unreachable
  }
}

/// `cluster-mgr remove-node`: drain, delete the Node, uninstall K3s on the host, edit the
/// inventory; never the last control plane, never an etcd member without quorum to spare.
public enum RemoveNodeOperation {
  /// The uninstall script the k3s roles install on every node.
  public static let uninstallScript = "/usr/local/bin/cluster-mgr-k3s-uninstall.sh"

  /// Checks that `request` can be carried out; throws (and changes nothing) when it cannot.
  public static func plan(
    _ request: RemoveNodeRequest, context: ClusterContext, access: ClusterAccess
  ) async throws
    -> RemoveNodePlan
  {
    guard let node = context.node(request.name) else {
      throw OperationError(
        "\(request.name) is not in \(context.inventory.path)",
        remedy:
          "see the hosts with `cluster-mgr inventory --graph`; a node that is only in the cluster can be deleted with kubectl",
        exitStatus: ExitStatus.invalidInput)
    }
    let isServer = node.role == .server
    if isServer && context.servers.count <= 1 {
      throw lastControlPlane(node.name)
    }
    let nodes = try await access.nodeInfos()
    let server = await access.serverName ?? "server"
    let entry =
      nodes.first { $0.name == node.name }
      ?? nodes.first { node.tailscaleIP != nil && $0.internalIP == node.tailscaleIP }
    var controlPlane: (Int, Int)?
    var etcd = false
    if isServer {
      let servers = nodes.filter(\.controlPlane)
      let total = servers.count
      let ready = servers.filter(\.ready).count
      let targetIn = entry?.controlPlane ?? false
      let remaining = total - (targetIn ? 1 : 0)
      let remainingReady = ready - (targetIn && entry?.ready == true ? 1 : 0)
      controlPlane = (total, ready)
      if remaining < 1 { throw lastControlPlane(node.name) }
      etcd = context.servers.count > 1 || total > 1
      if etcd {
        // etcd needs a majority now to remove the member, and a majority of what is left after.
        guard ready > total / 2, remainingReady > remaining / 2 else {
          throw OperationError(
            "removing \(node.name) would leave embedded etcd without quorum: \(ready) of \(total) servers Ready now, "
              + "\(remainingReady) of \(remaining) would be Ready after (a majority is needed before and after)",
            remedy:
              "bring the other servers back (Ready) first, or add a server before removing this one",
            exitStatus: ExitStatus.failure)
        }
      }
    }
    var steps: [String] = []
    if etcd { steps.append("take an etcd snapshot on \(server) (k3s etcd-snapshot save)") }
    if let entry {
      let name = entry.name
      if request.drain {
        steps.append(
          "drain \(name): evict its pods through the Eviction API (DaemonSet pods stay"
            + (request.deleteEmptyDirData ? "; pods with emptyDir data are evicted" : "")
            + ", disruption budgets respected, up to \(request.drainTimeoutSeconds) s)")
      }
      steps.append("delete the Node \(name) from the cluster")
    } else {
      steps.append("(\(node.name) is not a node of the cluster: nothing to drain or delete)")
    }
    steps.append("uninstall K3s on \(node.name) (\(uninstallScript)) if it is reachable")
    if !request.keepInventory {
      steps.append("remove \(node.name) and its comment lines from \(context.inventory.path)")
    }
    return RemoveNodePlan(
      node: node, inCluster: entry != nil, clusterNodeName: entry?.name, embeddedEtcd: etcd,
      controlPlane: controlPlane,
      steps: steps, server: server)
  }

  static func lastControlPlane(_ name: String) -> OperationError {
    OperationError(
      "\(name) is the last control-plane node (server) of the cluster; removing it would destroy the cluster",
      remedy:
        "add another server first (cluster-mgr add-node NAME --role control-plane --provision); "
        + "to tear the whole cluster down, uninstall K3s on every host by hand",
      exitStatus: ExitStatus.invalidInput)
  }

  /// Carries out `plan`, reporting each step through `say`.
  ///
  /// Stops at the first step that fails (the error says what was already done); an unreachable
  /// host only skips the uninstall. After an interruption no further step starts (the one
  /// running finishes) and the run is recorded as interrupted.
  public static func run(
    _ plan: RemoveNodePlan, request: RemoveNodeRequest, context: ClusterContext,
    access: ClusterAccess,
    commandLine: [String] = CommandLine.arguments, interruption: Interruption = Interruption(),
    say: @Sendable (String) -> Void
  ) async throws -> RemoveNodeResult {
    let name = plan.node.name
    let history = await OperationHistory.begin(
      command: "remove-node", commandLine: commandLine, inventoryPath: request.inventoryPath,
      redactor: context.redactor,
      cluster: context.settings.clusterName)
    var result = RemoveNodeResult()
    var done: [String] = []
    func fail(
      _ step: String, _ started: ContinuousClock.Instant, _ message: String, remedy: String?
    ) async -> OperationError {
      history.record(host: name, step: step, status: .failed, started: started, message: message)
      await history.finish(done.isEmpty ? .failed : .partial)
      let already =
        done.isEmpty
        ? " Nothing was changed." : " Already done: " + done.joined(separator: "; ") + "."
      let sentence = message.hasSuffix(".") ? message : message + "."
      return OperationError("\(step) failed: \(sentence)\(already)", remedy: remedy)
    }
    func clean(_ text: String) -> String {
      context.redactor.redact(text).trimmingCharacters(in: .whitespacesAndNewlines)
    }
    func stopIfInterrupted(before step: String) async throws {
      guard interruption.isRequested else { return }
      await history.finish(.interrupted)
      let already =
        done.isEmpty
        ? "; nothing was changed" : "; already done: " + done.joined(separator: "; ")
      throw OperationInterrupted(
        "before \(step)\(already)", interruption: interruption,
        remedy: done.isEmpty ? nil : "run cluster-mgr remove-node \(name) again to finish")
    }

    if plan.embeddedEtcd {
      let step = "etcd snapshot"
      try await stopIfInterrupted(before: step)
      let started = ContinuousClock.now
      say("taking an etcd snapshot on \(plan.server) ...")
      do {
        let (server, path) = try await etcdSnapshot(access: access, name: "pre-remove-\(name)")
        result.snapshot = (server, path)
        history.record(host: server, step: step, status: .changed, started: started, message: path)
        done.append("snapshot \(path) on \(server)")
        say("snapshot: \(path) on \(server)")
      } catch {
        throw await fail(
          step, started, clean(Self.describe(error)),
          remedy: "nothing was removed; check K3s on the servers")
      }
    }
    let nodeName = plan.clusterNodeName ?? name
    if plan.inCluster && request.drain {
      let step = "drain"
      try await stopIfInterrupted(before: step)
      let started = ContinuousClock.now
      say("draining \(nodeName) (up to \(request.drainTimeoutSeconds) s) ...")
      do {
        var options = NodeDrain.Options()
        options.deleteEmptyDirData = request.deleteEmptyDirData
        options.timeout = .seconds(request.drainTimeoutSeconds)
        try await NodeDrain(client: try await access.api()).drain(nodeName, options: options) {
          say("  " + DrainProgressText.line($0))
        }
        history.record(host: name, step: step, status: .changed, started: started)
        done.append("drained (cordoned)")
        say("drained \(nodeName)")
      } catch {
        throw await fail(
          step, started, clean(Self.describe(error)),
          remedy:
            "\(nodeName) is cordoned now; fix what blocks the drain (pod disruption budgets, bare pods, emptyDir data) and run again, "
            + "use --no-drain to skip it, or undo with `cluster-mgr uncordon \(name)`"
        )
      }
    }
    if plan.inCluster {
      let step = "delete node"
      try await stopIfInterrupted(before: step)
      let started = ContinuousClock.now
      do {
        let deleted = try await access.api().delete(.node, nodeName)
        if !deleted { say("the Node \(nodeName) was already gone") }
        history.record(host: name, step: step, status: .changed, started: started)
        done.append("Node \(nodeName) deleted")
        say("deleted the Node \(nodeName)")
      } catch {
        throw await fail(
          step, started, clean(Self.describe(error)), remedy: "check the cluster, then run again")
      }
    }
    do {
      let step = "uninstall k3s"
      try await stopIfInterrupted(before: step)
      let started = ContinuousClock.now
      say("uninstalling K3s on \(name) ...")
      do {
        let connection = try await context.connection(to: name)
        let outcome = try await connection.execute(
          .script(uninstallCommand, sudo: true, timeout: .seconds(300), step: "uninstall k3s"))
        let output = clean(outcome.stdoutText + "\n" + outcome.stderrText)
        guard outcome.succeeded else {
          throw OperationError(output.isEmpty ? "exit status \(outcome.exitStatus)" : output)
        }
        result.uninstalled = !output.contains(notInstalledMarker)
        history.record(
          host: name, step: step, status: result.uninstalled ? .changed : .ok, started: started,
          message: output)
        done.append(result.uninstalled ? "K3s uninstalled" : "K3s was not installed")
        say(result.uninstalled ? "K3s removed from \(name)" : "K3s was not installed on \(name)")
      } catch let error as SSHError where error.kind == .unreachable {
        result.uninstallSkipped = error.reason
        history.record(
          host: name, step: step, status: .unreachable, started: started, message: error.message)
        say(
          "warning: \(name) is not reachable over SSH, so K3s is still installed there: \(error.reason)\n"
            + "  when it is back, run: sudo \(uninstallScript)")
      } catch let error as OperationError where error.exitStatus == ExitStatus.unreachable {
        result.uninstallSkipped = error.message
        history.record(
          host: name, step: step, status: .unreachable, started: started, message: error.message)
        say(
          "warning: \(name) is not reachable, so K3s is still installed there; when it is back, run: sudo \(uninstallScript)"
        )
      } catch {
        throw await fail(
          step, started, clean(Self.describe(error)),
          remedy: "run `sudo \(uninstallScript)` on \(name) by hand (or `cluster-mgr ssh \(name)`)")
      }
    }
    if !request.keepInventory {
      let step = "remove from inventory"
      try await stopIfInterrupted(before: step)
      let started = ContinuousClock.now
      do {
        let written = try await InventoryFile(path: request.inventoryPath).apply([
          .removeHost(name: name)
        ]
        )
        result.inventory = written
        let diff = written.changes.map {
          LineDiff.unified(old: $0.value.old, new: $0.value.new, file: $0.key)
        }.joined()
        history.record(host: name, step: step, status: .changed, started: started, diff: diff)
        done.append("removed from the inventory")
      } catch {
        throw await fail(
          step, started, Self.describe(error),
          remedy: "remove it with `cluster-mgr inventory remove-host \(name)`")
      }
    }
    result.runID = await history.finish(result.uninstallSkipped == nil ? .succeeded : .partial)
    result.historyWarning = history.warning
    return result
  }

  /// Printed by the uninstall command when there is nothing to remove.
  static let notInstalledMarker = "cluster-mgr: K3s is not installed here"

  /// Runs cluster-mgr's uninstall script, else the K3s installer's, else reports that K3s is
  /// absent; fails if K3s is still there afterwards.
  static let uninstallCommand = """
    set -u
    if [ -x \(uninstallScript) ]; then \(uninstallScript)
    elif [ -x /usr/local/bin/k3s-uninstall.sh ]; then /usr/local/bin/k3s-uninstall.sh
    elif [ -x /usr/local/bin/k3s-agent-uninstall.sh ]; then /usr/local/bin/k3s-agent-uninstall.sh
    elif [ -e /usr/local/bin/k3s ]; then echo "K3s is installed but no uninstall script was found" >&2; exit 3
    else echo "\(notInstalledMarker)"; exit 0
    fi
    for unit in k3s k3s-agent; do
      if systemctl is-active --quiet "$unit"; then echo "$unit is still running after the uninstall" >&2; exit 4; fi
    done
    if [ -e /usr/local/bin/k3s ]; then echo "/usr/local/bin/k3s is still there after the uninstall" >&2; exit 4; fi
    """

  /// `k3s etcd-snapshot save --name NAME` on a server; returns the server and the snapshot's path.
  static func etcdSnapshot(access: ClusterAccess, name: String) async throws -> (String, String) {
    let (server, saved) = try await access.onServer(
      RootScript(BackupScripts.etcdSnapshot, name: "cluster-mgr-snapshot").command(
        [name], timeout: .seconds(300), step: "etcd snapshot"))
    let output = try RootScript.stdout(
      of: saved, redactor: access.context.redactor,
      failurePrefix: "\(server): k3s etcd-snapshot save failed: ")
    let file = try BackupScripts.SavedFile(output: output, server: server)
    return (server, file.path)
  }

  static func describe(_ error: any Error) -> String {
    (error as? any OperatorError)?.message ?? "\(error)"
  }
}
