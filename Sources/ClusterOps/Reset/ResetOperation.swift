import Basics
import Foundation
import Inventory
import RunHistory
import SSHTransport

/// One host as `reset` finds it.
public struct ResetHost: Sendable {
  /// The inventory name.
  public let name: String
  /// Server or agent.
  public let role: NodeRole?
  /// What of K3s and cluster-mgr is there, in words; nil when the host could not be reached.
  public let found: String?
  /// Nothing to remove.
  public let isEmpty: Bool
  /// Why the host could not be reached.
  public let unreachable: String?
}

/// What `reset` will remove: every host in the order it goes (agents, then the servers, the
/// first one last), and the workstation's kubeconfig context.
public struct ResetPlan: Sendable {
  /// The hosts, in teardown order.
  public let hosts: [ResetHost]
  /// The kubeconfig file and whether it has the cluster's context.
  public let kubeconfig: (path: String, hasContext: Bool)?
  /// `cluster_name`.
  public let cluster: String
}

/// What `reset` did.
public struct ResetResult: Sendable {
  /// Hosts where K3s and cluster-mgr's files are gone now.
  public var reset: [String] = []
  /// Hosts that could not be reached (nothing was removed there), with why.
  public var unreachable: [(host: String, reason: String)] = []
  /// Hosts where the uninstall failed, with why.
  public var failed: [(host: String, reason: String)] = []
  /// The kubeconfig context was removed.
  public var kubeconfigRemoved = false
  /// The run's number in the history.
  public var runID: Int64?
  /// A history problem (the reset itself happened).
  public var historyWarning: String?

  /// 0 all done, 1 an uninstall failed, 4 hosts were only unreachable.
  public var exitStatus: Int32 {
    if !failed.isEmpty { return ExitStatus.failure }
    return unreachable.isEmpty ? ExitStatus.success : ExitStatus.unreachable
  }
}

/// `cluster-mgr reset`: tears the cluster down. K3s is uninstalled from every host (agents
/// first, then the servers one at a time, the first server last) with the uninstall script
/// `provision` installs (it does what K3s's k3s-killall.sh and k3s-uninstall.sh do, never
/// touching Tailscale), cluster-mgr's files on the hosts are removed, and the cluster's context
/// leaves the workstation's kubeconfig (other contexts stay). Backups, the run history and the
/// Flux deploy key stay on the workstation.
public enum ResetOperation {
  /// Looks at every host (one read-only round trip each) and the kubeconfig; changes nothing.
  public static func plan(context: ClusterContext, kubeconfigPath: String?) async -> ResetPlan {
    let order = teardownOrder(context)
    var hosts: [ResetHost] = []
    await withTaskGroup(of: (Int, ResetHost).self) { group in
      for (index, node) in order.enumerated() {
        group.addTask { (index, await look(at: node, context: context)) }
      }
      var found: [(Int, ResetHost)] = []
      for await entry in group { found.append(entry) }
      hosts = found.sorted { $0.0 < $1.0 }.map(\.1)
    }
    let kubeconfig = kubeconfigPath.map {
      (path: $0, hasContext: KubeconfigRemoval.hasContext(context.settings.clusterName, path: $0))
    }
    return ResetPlan(hosts: hosts, kubeconfig: kubeconfig, cluster: context.settings.clusterName)
  }

  /// Agents in inventory order, then the servers from the last to the first.
  static func teardownOrder(_ context: ClusterContext) -> [NodeSpec] {
    context.nodes.filter { $0.role != .server } + context.servers.reversed()
  }

  static func look(at node: NodeSpec, context: ClusterContext) async -> ResetHost {
    do {
      let connection = try await context.connection(to: node.name)
      let out = try await connection.execute(
        .argv(
          ["/bin/sh", "-s"], sudo: true, stdin: Data(ResetScripts.probe.utf8),
          timeout: .seconds(60), step: "look for K3s"))
      let found = ResetScripts.Found(output: out.stdoutText)
      return ResetHost(
        name: node.name, role: node.role, found: found.description, isEmpty: found.isEmpty,
        unreachable: nil)
    } catch {
      return ResetHost(
        name: node.name, role: node.role, found: nil, isEmpty: false,
        unreachable: RemoveNodeOperation.describe(error))
    }
  }

  /// Tears down what `plan` lists (the caller holds the locks; `lockServer`'s lock file stays
  /// until it is released). After an interruption no further host starts.
  public static func run(
    _ plan: ResetPlan, context: ClusterContext, lockServer: String,
    commandLine: [String] = CommandLine.arguments, interruption: Interruption = Interruption(),
    say: @escaping @Sendable (String) -> Void
  ) async throws -> ResetResult {
    let history = await OperationHistory.begin(
      command: "reset", commandLine: commandLine, inventoryPath: context.inventory.path,
      redactor: context.redactor, cluster: context.settings.clusterName)
    var result = ResetResult()
    let agents = plan.hosts.filter { $0.role != .server && $0.unreachable == nil }
    let servers = plan.hosts.filter { $0.role == .server && $0.unreachable == nil }
    for host in plan.hosts where host.unreachable != nil {
      result.unreachable.append((host.name, host.unreachable!))
      history.record(
        host: host.name, step: "reset", status: .unreachable, started: .now,
        message: host.unreachable)
    }
    let outcomes = await withTaskGroup(of: (String, Result<Void, OperationError>).self) { group in
      for host in agents where !interruption.isRequested {
        group.addTask {
          (
            host.name,
            await reset(host.name, keepLock: false, context: context, history: history, say: say)
          )
        }
      }
      var outcomes: [(String, Result<Void, OperationError>)] = []
      for await outcome in group { outcomes.append(outcome) }
      return outcomes
    }
    collect(outcomes, into: &result)
    for host in servers {
      if interruption.isRequested { break }
      let outcome = await reset(
        host.name, keepLock: host.name == lockServer, context: context, history: history, say: say)
      collect([(host.name, outcome)], into: &result)
    }
    if interruption.isRequested {
      await history.finish(.interrupted)
      let left = plan.hosts.map(\.name).filter { !result.reset.contains($0) }
      throw OperationInterrupted(
        "before \(left.joined(separator: ", ")) were reset", interruption: interruption,
        remedy: "run cluster-mgr reset again to finish")
    }
    if let kubeconfig = plan.kubeconfig, kubeconfig.hasContext {
      let started = ContinuousClock.now
      let outcome = try KubeconfigRemoval.remove(plan.cluster, path: kubeconfig.path)
      result.kubeconfigRemoved = outcome == .removed
      history.record(
        host: "workstation", step: "kubeconfig context \(plan.cluster)", status: .changed,
        started: started, message: kubeconfig.path)
      say("removed the context \(plan.cluster) from \(kubeconfig.path)")
    }
    result.runID = await history.finish(
      result.failed.isEmpty && result.unreachable.isEmpty
        ? .succeeded : (result.reset.isEmpty ? .failed : .partial))
    result.historyWarning = history.warning
    return result
  }

  static func collect(
    _ outcomes: [(String, Result<Void, OperationError>)], into result: inout ResetResult
  ) {
    for (host, outcome) in outcomes {
      switch outcome {
      case .success: result.reset.append(host)
      case .failure(let error) where error.exitStatus == ExitStatus.unreachable:
        result.unreachable.append((host, error.message))
      case .failure(let error): result.failed.append((host, error.message))
      }
    }
  }

  /// Uninstalls K3s and removes cluster-mgr's files on `host`.
  static func reset(
    _ host: String, keepLock: Bool, context: ClusterContext, history: OperationHistory,
    say: @Sendable (String) -> Void
  ) async -> Result<Void, OperationError> {
    let started = ContinuousClock.now
    say("\(host): uninstalling K3s and removing cluster-mgr's files ...")
    do {
      let connection = try await context.connection(to: host)
      // On standard input: the uninstall kills processes that name K3s's data directory.
      let out = try await connection.execute(
        .argv(
          ["/bin/sh", "-s"], sudo: true, stdin: Data(ResetScripts.reset(keepLock: keepLock).utf8),
          timeout: .seconds(300), step: "reset"))
      guard out.succeeded else {
        let stderr = context.redactor.redact(
          out.stderrText.trimmingCharacters(in: .whitespacesAndNewlines))
        let ended =
          out.exitSignal.map { "was killed by SIG\($0)" } ?? "ended with exit status \(out.exitStatus)"
        let why = stderr.isEmpty ? "the reset script \(ended)" : stderr
        history.record(host: host, step: "reset", status: .failed, started: started, message: why)
        return .failure(OperationError(why))
      }
      history.record(host: host, step: "reset", status: .changed, started: started)
      say("\(host): K3s and cluster-mgr's files removed")
      return .success(())
    } catch {
      let message = RemoveNodeOperation.describe(error)
      let unreachable =
        (error as? SSHError)?.kind == .unreachable
        || (error as? any OperatorError)?.exitStatus == ExitStatus.unreachable
      history.record(
        host: host, step: "reset", status: unreachable ? .unreachable : .failed, started: started,
        message: message)
      return .failure(
        OperationError(
          message, exitStatus: unreachable ? ExitStatus.unreachable : ExitStatus.failure))
    }
  }

  /// Removes the (now empty) `/var/lib/cluster-mgr` on the lock server once the lock is gone.
  public static func removeStateDirectory(on server: String, context: ClusterContext) async {
    guard let connection = try? await context.connection(to: server) else { return }
    _ = try? await connection.execute(
      .script(
        "rmdir \(ShellQuote.quote(ClusterLock.directory)) 2>/dev/null || true", sudo: true,
        timeout: .seconds(30), step: "remove \(ClusterLock.directory)"))
  }
}
