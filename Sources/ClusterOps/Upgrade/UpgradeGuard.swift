import Basics
import Engine
import Foundation
import Inventory
import Roles
import SSHTransport

/// What `provision` does around a K3s version change, before and while its plays run:
///
/// 1. reads the version every node runs (through the API) and refuses a jump Kubernetes does
///    not support (a skipped minor version, a minor version back) before anything changes;
/// 2. before any server's version changes, takes a datastore snapshot and fetches it to the
///    workstation with its SHA-256, named after the run (`provision --rollback-to RUN` goes back
///    to it);
/// 3. upgrades agents one at a time (or `--serial N`), each cordoned and drained first and
///    uncordoned once Ready at the new version (``AgentRollout``).
struct UpgradeGuard {
  let setup: ProvisionSetup
  let request: ProvisionRequest
  let context: ClusterContext
  let maintenance: any NodeMaintenance

  /// The play that holds the snapshot's result in the progress output and the history.
  static let playName = "before the K3s upgrade"

  init(setup: ProvisionSetup, request: ProvisionRequest, sessions: SSHSessions) {
    self.setup = setup
    self.request = request
    let targets = Dictionary(
      setup.targets.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
    context = ClusterContext(
      inventory: setup.inventory, nodes: setup.inputs.nodes, settings: setup.inputs.settings,
      targets: targets, sessions: sessions, redactor: setup.redactor)
    maintenance = APINodeMaintenance(
      access: ClusterAccess(context: context))
  }

  /// The nodes whose version changes; nil when the run changes no K3s binary (a fresh cluster,
  /// `--tags` without the k3s roles). Throws ``UpgradeRefused`` before anything changes.
  func plan() async throws -> UpgradePlan? {
    guard changesK3s else { return nil }
    let target = setup.inputs.settings.k3sVersion
    let states: [NodeUpgradeState]
    do {
      states = try await maintenance.nodes()
    } catch {
      try await refuseUnreadableServers(target: target, problem: error)
      return nil
    }
    let plan = try UpgradePlan.make(
      target: target, nodes: setup.inputs.nodes, selected: setup.inputs.selected, states: states,
      allowMinorDowngrade: request.allowMinorDowngrade)
    return plan.changes.isEmpty ? nil : plan
  }

  /// Whether the selected tasks include the K3s roles (whose binary task changes the version).
  var changesK3s: Bool {
    let k3sTags: Set<String> = ["k3s", "k3s_server", "k3s_agent"]
    let options = request.options
    if !options.skipTags.isDisjoint(with: ["k3s"]) { return false }
    return options.tags.isEmpty || !options.tags.isDisjoint(with: k3sTags)
  }

  /// Without the API the running versions are unknown: a server whose installed K3s is another
  /// version would be changed with no snapshot, so that is refused.
  func refuseUnreadableServers(target: String, problem: any Error) async throws {
    for server in context.servers where setup.inputs.selected.contains(server.name) {
      guard let connection = try? await context.connection(to: server.name),
        let out = try? await connection.execute(
          .script(
            "[ -x /usr/local/bin/k3s ] && /usr/local/bin/k3s --version | awk 'NR==1{print $3}'",
            sudo: true, timeout: .seconds(30), step: "installed K3s version")),
        case let installed = out.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines),
        !installed.isEmpty, installed != target
      else { continue }
      throw OperationError(
        "\(server.name) has K3s \(installed) and the inventory pins \(target), but the cluster's "
          + "nodes cannot be read (\(RemoveNodeOperation.describe(problem))), so no snapshot can "
          + "be taken before the upgrade; nothing was changed",
        remedy:
          "bring the API back first (cluster-mgr status; provision with k3s_version \(installed)), "
          + "then upgrade")
    }
  }

  /// Takes the pre-upgrade snapshot on a server and fetches it into the cluster's backup
  /// directory; returns the result to report (recorded in the run's history).
  func snapshot(_ plan: UpgradePlan, runID: Int64?, say: @Sendable (String) -> Void) async throws
    -> (result: TaskResult, path: String)
  {
    let started = ContinuousClock.now
    let cluster = setup.inputs.settings.clusterName
    let (server, connection) = try await BackupOperation.server(context)
    let label = "cluster-mgr-\(cluster)-pre-upgrade" + (runID.map { "-run\($0)" } ?? "")
    let taken = try await BackupSnapshot.take(
      on: server, connection: connection, label: label, context: context, say: say)
    var details = BackupSnapshot.Details()
    details.purpose = BackupManifest.preUpgrade
    details.run = runID
    details.k3sVersion = plan.serverVersion
    details.upgradeTo = plan.target
    let (manifest, path) = try await BackupSnapshot.fetch(
      taken, from: server, connection: connection,
      into: BackupOperation.defaultDirectory(cluster: cluster), cluster: cluster,
      details: details)
    let elapsed = started.duration(to: .now)
    let result = TaskResult(
      play: Self.playName, host: server, role: AgentRollout.role, task: "pre-upgrade snapshot",
      status: .changed, summary: "\(path) sha256 \(manifest.sha256) (\(manifest.size) bytes)",
      duration: elapsed.inSeconds)
    return (result, path)
  }

  /// What a check run reports instead of acting.
  func checkResults(_ plan: UpgradePlan) -> [TaskResult] {
    var results: [TaskResult] = []
    if let first = plan.servers.first {
      results.append(
        TaskResult(
          play: Self.playName, host: first.node, role: AgentRollout.role,
          task: "pre-upgrade snapshot", status: .changed,
          summary:
            "would take a datastore snapshot and fetch it to \(BackupOperation.defaultDirectory(cluster: setup.inputs.settings.clusterName)) "
            + "before K3s \(first.from) → \(plan.target) on the servers"))
    }
    let batch = request.options.serial ?? 1
    for agent in plan.agents {
      results.append(
        TaskResult(
          play: ProvisionSite.agentsPlayName, host: agent.node, role: AgentRollout.role,
          task: "cordon and drain (K3s \(agent.from) → \(plan.target))", status: .changed,
          summary:
            "would cordon and drain \(agent.node) before its upgrade and uncordon it when Ready "
            + "(\(batch) agent\(batch == 1 ? "" : "s") at a time)"))
    }
    return results
  }

  /// The plays with the agents' rollout: hooks on the agents play, run in batches of `--serial`
  /// (1 by default).
  func rollingPlays(_ plays: [Play], plan: UpgradePlan) -> [Play] {
    guard !plan.agents.isEmpty else { return plays }
    let rollout = AgentRollout(
      plan: plan, maintenance: maintenance, drainTimeoutSeconds: request.drainTimeoutSeconds,
      interruption: request.options.interruption)
    return plays.map { play in
      guard play.name == ProvisionSite.agentsPlayName else { return play }
      var rolling = play
      rolling.strategy = .serial(max(1, request.options.serial ?? 1))
      rolling.hostHooks = rollout
      return rolling
    }
  }
}
