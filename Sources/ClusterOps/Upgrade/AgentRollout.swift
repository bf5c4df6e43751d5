import Basics
import Engine
import Foundation

/// The agents play's hooks during a K3s version change: before an agent's K3s changes it is
/// cordoned and drained, afterwards it is uncordoned once its node is Ready at the new version.
///
/// The play runs agents in batches (one by default, `--serial N`), so at most that many are
/// cordoned at any moment. An agent whose upgrade fails stays cordoned and no further agent
/// starts: the next `provision` takes it up again.
actor AgentRollout: PlayHostHooks {
  /// Agents that change version, by name.
  let changes: [String: NodeVersionChange]
  let target: String
  let maintenance: any NodeMaintenance
  let drainTimeoutSeconds: Int
  let readyTimeout: Duration
  let interruption: Interruption?
  /// The agent whose upgrade failed: no further agent is drained.
  private var halted: String?

  init(
    plan: UpgradePlan, maintenance: any NodeMaintenance, drainTimeoutSeconds: Int,
    readyTimeout: Duration = .seconds(300), interruption: Interruption?
  ) {
    changes = Dictionary(
      plan.agents.map { ($0.node, $0) }, uniquingKeysWith: { first, _ in first })
    target = plan.target
    self.maintenance = maintenance
    self.drainTimeoutSeconds = drainTimeoutSeconds
    self.readyTimeout = readyTimeout
    self.interruption = interruption
  }

  static let role = "upgrade"

  func before(host: String, play: String) async -> [TaskResult] {
    guard let change = changes[host] else { return [] }
    let started = ContinuousClock.now
    let task = "cordon and drain (K3s \(change.from) → \(target))"
    if let halted {
      return [
        result(
          play, host, task, .failed, started,
          "not started: the upgrade of \(halted) did not finish and it stays cordoned; agents are upgraded one after the other",
          failure:
            "fix \(halted) (cluster-mgr history show last), then run cluster-mgr provision again")
      ]
    }
    do {
      try await maintenance.cordonAndDrain(host, timeoutSeconds: drainTimeoutSeconds)
      return [result(play, host, task, .changed, started, "cordoned and drained")]
    } catch {
      halted = host
      return [
        result(
          play, host, task, .failed, started, "the drain failed; \(host) stays cordoned",
          failure: RemoveNodeOperation.describe(error)
            + "; fix what blocks the drain (pod disruption budgets, bare pods) and provision again, "
            + "or give it back: cluster-mgr uncordon \(host)")
      ]
    }
  }

  func after(host: String, play: String, succeeded: Bool) async -> [TaskResult] {
    guard let change = changes[host] else { return [] }
    let started = ContinuousClock.now
    let task = "uncordon when Ready at \(target)"
    guard succeeded else {
      if interruption?.isRequested == true { return await uncordonUnchanged(change, play) }
      halted = halted ?? host
      return [
        result(
          play, host, task, .skipped, started,
          "left cordoned: its upgrade did not finish; fix it and provision again, or give it back: cluster-mgr uncordon \(host)"
        )
      ]
    }
    do {
      try await waitReady(host)
      if change.wasCordoned {
        return [
          result(
            play, host, task, .ok, started, "Ready at \(target); stays cordoned, as it was before")
        ]
      }
      try await maintenance.uncordon(host)
      return [result(play, host, task, .changed, started, "Ready at \(target), uncordoned")]
    } catch {
      halted = host
      return [
        result(
          play, host, task, .failed, started, "\(host) stays cordoned",
          failure: RemoveNodeOperation.describe(error)
            + "; check it (cluster-mgr status), then provision again or give it back: cluster-mgr uncordon \(host)"
        )
      ]
    }
  }

  /// An interrupted agent whose K3s did not change goes back to how it was.
  private func uncordonUnchanged(_ change: NodeVersionChange, _ play: String) async -> [TaskResult]
  {
    let started = ContinuousClock.now
    let task = "uncordon (interrupted)"
    if change.wasCordoned { return [] }
    do {
      try await maintenance.uncordon(change.node)
      return [
        result(
          play, change.node, task, .changed, started, "interrupted before its upgrade: uncordoned")
      ]
    } catch {
      return [
        result(
          play, change.node, task, .failed, started, "\(change.node) stays cordoned",
          failure: RemoveNodeOperation.describe(error))
      ]
    }
  }

  /// Polls until `node` is Ready with the target's kubelet version.
  private func waitReady(_ node: String) async throws {
    let deadline = ContinuousClock.now + readyTimeout
    var last = "not read yet"
    while ContinuousClock.now < deadline {
      if let state = try? await maintenance.nodes().first(where: { $0.name == node }) {
        if state.ready && state.kubeletVersion == target { return }
        last =
          "\(state.ready ? "Ready" : "not Ready") at \(state.kubeletVersion ?? "an unknown version")"
      }
      try await Task.sleep(for: .seconds(2))
    }
    throw OperationError(
      "\(node) was not Ready at \(target) within \(readyTimeout.components.seconds) s (\(last))")
  }

  private func result(
    _ play: String, _ host: String, _ task: String, _ status: TaskStatus,
    _ started: ContinuousClock.Instant, _ summary: String, failure: String? = nil
  ) -> TaskResult {
    let elapsed = started.duration(to: .now)
    return TaskResult(
      play: play, host: host, role: Self.role, task: task, status: status, summary: summary,
      failure: failure,
      duration: elapsed.inSeconds)
  }
}
