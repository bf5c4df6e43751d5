import Basics
import Engine
import Foundation
import Inventory
import Roles
import RunHistory
import SSHTransport

/// What a provision run did.
public struct ProvisionResult: Sendable {
  /// The engine's report.
  public var report: RunReport
  /// The kubeconfig merge, when one happened: the file and what changed.
  public var kubeconfig: (path: String, outcome: KubeconfigMerge.Outcome)?
  /// Why the kubeconfig could not be merged (the file was left as it was).
  public var kubeconfigFailure: String?
  /// A problem with the run history (the run itself still worked).
  public var historyWarning: String?
  /// The run's id in the history.
  public var historyRunID: Int64?

  /// The process exit status: 0 when every host succeeded (and the kubeconfig was merged), 4
  /// when hosts were only unreachable, 130 when interrupted, 1 otherwise.
  public var exitStatus: Int32 {
    if report.interrupted { return ExitStatus.interrupted }
    if report.succeeded && !report.aborted {
      return kubeconfigFailure == nil ? ExitStatus.success : ExitStatus.failure
    }
    let failed = report.recaps.contains { $0.failed > 0 }
    return failed || report.aborted ? ExitStatus.failure : ExitStatus.unreachable
  }
}

/// `cluster-mgr provision`: runs the site over SSH, records the run, merges the kubeconfig.
public enum ProvisionOperation {
  /// Runs `setup` for `request`, reporting progress to `observer`, while holding the local and
  /// the cluster lock (see ``CommandLocks``); throws when a lock cannot be taken (nothing ran).
  public static func run(
    _ request: ProvisionRequest, setup: ProvisionSetup, observer: any RunObserver,
    sshOptions: SSHOptions
  ) async throws -> ProvisionResult {
    guard let first = setup.inputs.firstServer,
      let target = setup.targets.first(where: { $0.name == first.name })
    else {
      throw OperationError(
        "the inventory has no server to hold the cluster lock",
        remedy: "add a server (control_plane group)", exitStatus: ExitStatus.invalidInput)
    }
    let sessions = SSHSessions(options: sshOptions, forks: request.options.forks)
    // The API's tunnel, when one is needed, goes through the first server's connection.
    await setup.api?.bind(
      servers: [
        ClusterAPIConnection.TunnelServer(name: first.name) {
          try await sessions.connection(to: target)
        }
      ], say: { observer.handle(.warning($0)) })
    var lock = LockRequest(
      cluster: setup.inputs.settings.clusterName, server: first.name,
      command: LockOwner.commandText(request.commandLine, redactor: setup.redactor))
    lock.forceUnlock = request.forceUnlock
    lock.checkOnly = request.options.checkMode
    do {
      let result = try await CommandLocks.holding(
        lock, connection: { try await sessions.connection(to: target) },
        warn: { observer.handle(.warning($0)) }
      ) {
        try await runLocked(request, setup: setup, observer: observer, sessions: sessions)
      }
      await setup.api?.close()
      await sessions.closeAll()
      return result
    } catch {
      await setup.api?.close()
      await sessions.closeAll()
      throw error
    }
  }

  /// The run itself, once the locks are held. Throws before anything changes when a K3s
  /// version change is refused or its snapshot cannot be taken (see ``UpgradeGuard``).
  static func runLocked(
    _ request: ProvisionRequest, setup: ProvisionSetup, observer: any RunObserver,
    sessions ssh: SSHSessions
  ) async throws -> ProvisionResult {
    let upgrade = UpgradeGuard(setup: setup, request: request, sessions: ssh)
    let plan = try await upgrade.plan()
    let recorder = RunRecorder(redactor: setup.redactor)
    let inventorySHA = (try? FileHash.sha256(path: request.inventoryPath)) ?? ""
    _ = await recorder.begin(
      RunMetadata(
        command: request.commandName,
        commandLine: setup.redactor.redact(request.commandLine.joined(separator: " ")),
        inventoryPath: request.inventoryPath, inventorySHA256: inventorySHA,
        checkMode: request.options.checkMode, cluster: setup.inputs.settings.clusterName))
    let recording = HistoryObserver(recorder: recorder, next: observer)
    var plays = setup.plays
    if let plan {
      plays = try await prepareUpgrade(
        plan, upgrade: upgrade, plays: plays, request: request, recorder: recorder,
        observer: recording)
    }
    let sessions = SSHHostSessionProvider(sessions: ssh, targets: setup.targets)
    let runner = Runner(
      sessions: sessions, options: request.options, observer: recording, redactor: setup.redactor)
    let report = await runner.run(plays)

    var result = ProvisionResult(report: report)
    // Interrupted: nothing new starts, the kubeconfig merge included.
    let selection = TagSelection(include: request.options.tags, exclude: request.options.skipTags)
    if !request.options.checkMode, !request.skipKubeconfig, !report.interrupted,
      selection.selects(tags: ClusterRoles.mergeTags),
      let first = setup.inputs.firstServer,
      let serverConfig = runner.facts.snapshot.value(ClusterRoles.kubeconfigFact, on: first.name)
    {
      let path = request.kubeconfigPath ?? defaultKubeconfigPath
      // The API endpoint when set, else the first server's Tailscale IP: reachable from any
      // tailnet machine whether or not MagicDNS is on (the MagicDNS name is a tls-san too).
      let facts = runner.facts.snapshot
      let host =
        setup.inputs.settings.apiEndpoint ?? first.tailscaleIP ?? facts.value(
          "tailscale_ipv4", on: first.name) ?? first.address
      let server =
        "https://\(host.contains(":") ? "[\(host)]" : host):\(setup.inputs.settings.apiPort)"
      do {
        let outcome = try KubeconfigMerge.write(
          serverConfig: serverConfig, name: setup.inputs.settings.clusterName, server: server,
          to: path)
        result.kubeconfig = (path, outcome)
      } catch {
        result.kubeconfigFailure = "\(error)"
        observer.handle(.warning("could not merge the kubeconfig into \(path): \(error)"))
      }
    }
    let outcome: RunOutcome =
      report.interrupted
      ? .interrupted
      : report.succeeded
        ? .succeeded
        : (report.recaps.allSatisfy { $0.failed + $0.unreachable > 0 } ? .failed : .partial)
    await recorder.finish(outcome)
    result.historyWarning = recorder.warning?.description
    result.historyRunID = recorder.runID?.rawValue
    return result
  }

  /// Reports a K3s version change and takes the pre-upgrade snapshot (only its plan under
  /// `--check`); returns the plays with the agents' rollout. A failed snapshot ends the run
  /// (recorded as failed) before anything changed.
  static func prepareUpgrade(
    _ plan: UpgradePlan, upgrade: UpgradeGuard, plays: [Play], request: ProvisionRequest,
    recorder: RunRecorder, observer: any RunObserver
  ) async throws -> [Play] {
    if request.options.checkMode {
      for result in upgrade.checkResults(plan) { observer.handle(.taskFinished(result)) }
      return plays
    }
    if !plan.servers.isEmpty {
      observer.handle(.playStarted(name: UpgradeGuard.playName, hosts: [plan.servers[0].node]))
      do {
        let (result, _) = try await upgrade.snapshot(
          plan, runID: recorder.runID?.rawValue, say: { _ in })
        observer.handle(.taskFinished(result))
      } catch {
        let failure = TaskResult(
          play: UpgradeGuard.playName, host: plan.servers[0].node, role: AgentRollout.role,
          task: "pre-upgrade snapshot", status: .failed,
          summary: "no snapshot, so no server was changed",
          failure: RemoveNodeOperation.describe(error))
        observer.handle(.taskFinished(failure))
        observer.handle(.playFinished(name: UpgradeGuard.playName))
        await recorder.finish(.failed)
        throw OperationError(
          "the datastore snapshot before K3s \(plan.serverVersion ?? "?") → \(plan.target) failed: "
            + RemoveNodeOperation.describe(error) + "; nothing was changed",
          remedy: "check K3s on the servers (cluster-mgr status), then provision again")
      }
      observer.handle(.playFinished(name: UpgradeGuard.playName))
    }
    return upgrade.rollingPlays(plays, plan: plan)
  }

  /// `$KUBECONFIG`'s first file, else `~/.kube/config`.
  public static var defaultKubeconfigPath: String { KubeconfigLocation.defaultPath }
}

/// Records every task result in the run history, then passes the event on.
struct HistoryObserver: RunObserver {
  let recorder: RunRecorder
  let next: any RunObserver

  func handle(_ event: RunEvent) {
    if case .taskFinished(let result) = event {
      recorder.record(
        TaskRecord(
          host: result.host, role: result.role, task: result.task,
          status: TaskRecord.Status(rawValue: result.status.rawValue) ?? .failed,
          durationMilliseconds: Int64(result.duration * 1000),
          message: result.failure ?? result.summary, diff: result.diff))
    }
    next.handle(event)
  }
}
