import Basics
import Engine
import Foundation
import Inventory
import Testing

@testable import ClusterOps

/// Which nodes a K3s version change moves, the jumps it refuses, and the agents' rollout:
/// cordoned and drained one at a time, uncordoned once Ready at the new version.
struct UpgradePlanTests {
  static func state(_ name: String, _ version: String, cordoned: Bool = false)
    -> NodeUpgradeState
  {
    NodeUpgradeState(name: name, kubeletVersion: version, ready: true, cordoned: cordoned)
  }

  static func plan(_ target: String, _ versions: [String: String], allowDowngrade: Bool = false)
    throws -> UpgradePlan
  {
    let (nodes, _) = try Fixtures.inventory()
    return try UpgradePlan.make(
      target: target, nodes: nodes, selected: Set(nodes.map(\.name)),
      states: versions.map { state($0.key, $0.value) }, allowMinorDowngrade: allowDowngrade)
  }

  @Test func versionsCompareByTheirKubernetesNumbers() throws {
    let old = try #require(K3sVersion("v1.31.5+k3s1"))
    let next = try #require(K3sVersion("v1.32.0+k3s1"))
    #expect(old < next)
    #expect(old.minorsTo(next) == 1)
    #expect(next.minorsTo(old) == -1)
    #expect(try #require(K3sVersion("v1.36.4-rc1+k3s2")).minorLine == "v1.36")
    #expect(K3sVersion("latest") == nil)
    #expect(K3sVersion("v1.31") == nil)
  }

  @Test func onlyNodesThatRunAnotherVersionChange() throws {
    let plan = try Self.plan(
      "v1.32.0+k3s1", ["cp1": "v1.31.4+k3s1", "w1": "v1.32.0+k3s1", "w2": "v1.31.4+k3s1"])
    #expect(plan.servers.map(\.node) == ["cp1"])
    #expect(plan.agents.map(\.node) == ["w2"])
    #expect(plan.serverVersion == "v1.31.4+k3s1")
    // A node the cluster does not have yet (a fresh install) is no version change.
    let fresh = try Self.plan("v1.32.0+k3s1", ["cp1": "v1.32.0+k3s1"])
    #expect(fresh.changes.isEmpty)
  }

  @Test func skippingAMinorVersionIsRefusedNamingTheNodesAndTheWay() throws {
    let error = try #require(
      throws: UpgradeRefused.self,
      performing: {
        try Self.plan("v1.36.4+k3s1", ["cp1": "v1.31.5+k3s1", "w1": "v1.31.5+k3s1"])
      })
    #expect(
      error.message.hasPrefix(
        "K3s v1.31.5+k3s1 → v1.36.4+k3s1 on cp1, w1 skips minor versions (v1.32 … v1.35)"))
    #expect(error.message.hasSuffix("nothing was changed"))
    #expect(error.remedy?.contains("v1.32.x release first") == true)
    #expect(error.exitStatus == ExitStatus.invalidInput)
    // One minor version, or a patch release, is fine.
    #expect(throws: Never.self) { try Self.plan("v1.32.0+k3s1", ["cp1": "v1.31.5+k3s1"]) }
    #expect(throws: Never.self) { try Self.plan("v1.31.4+k3s1", ["cp1": "v1.31.5+k3s1"]) }
  }

  @Test func aMinorVersionBackIsRefusedUnlessRollingBack() throws {
    let error = try #require(
      throws: UpgradeRefused.self,
      performing: { try Self.plan("v1.31.4+k3s1", ["w1": "v1.32.0+k3s1"]) })
    #expect(error.message.contains("goes back a minor version"))
    #expect(error.remedy?.contains("--rollback-to RUN") == true)
    let rollback = try Self.plan("v1.31.4+k3s1", ["w1": "v1.32.0+k3s1"], allowDowngrade: true)
    #expect(rollback.agents.map(\.node) == ["w1"])
  }
}

/// A cluster in memory: cordoning, draining and versions, with the most nodes ever cordoned at
/// once.
actor FakeMaintenance: NodeMaintenance {
  var states: [String: NodeUpgradeState]
  var log: [String] = []
  var mostCordoned = 0
  var failDrain: Set<String> = []

  init(_ states: [NodeUpgradeState]) {
    self.states = Dictionary(uniqueKeysWithValues: states.map { ($0.name, $0) })
  }

  func nodes() async throws -> [NodeUpgradeState] { Array(states.values) }

  func cordonAndDrain(_ node: String, timeoutSeconds: Int) async throws {
    states[node]?.cordoned = true
    log.append("drain \(node)")
    mostCordoned = max(mostCordoned, states.values.filter(\.cordoned).count)
    if failDrain.contains(node) { throw OperationError("cannot evict pod web-1") }
  }

  func uncordon(_ node: String) async throws {
    states[node]?.cordoned = false
    log.append("uncordon \(node)")
  }

  /// The agent's K3s restarted at `version`.
  func upgrade(_ node: String, to version: String) { states[node]?.kubeletVersion = version }

  func failDrains(_ nodes: Set<String>) { failDrain = nodes }
}

struct AgentRolloutTests {
  static let target = "v1.32.0+k3s1"

  static func rollout(_ fake: FakeMaintenance, _ agents: [(String, Bool)]) -> AgentRollout {
    let plan = UpgradePlan(
      target: target,
      changes: agents.map {
        NodeVersionChange(node: $0.0, from: "v1.31.5+k3s1", role: .agent, wasCordoned: $0.1)
      })
    return AgentRollout(
      plan: plan, maintenance: fake, drainTimeoutSeconds: 30, readyTimeout: .seconds(10),
      interruption: nil)
  }

  @Test func eachAgentIsDrainedThenUncordonedWhenReadyAtTheNewVersion() async throws {
    let fake = FakeMaintenance(
      ["w1", "w2"].map { UpgradePlanTests.state($0, "v1.31.5+k3s1") })
    let rollout = Self.rollout(fake, [("w1", false), ("w2", false)])
    for agent in ["w1", "w2"] {
      let before = await rollout.before(host: agent, play: "agents")
      #expect(before.map(\.status) == [.changed])
      await fake.upgrade(agent, to: Self.target)
      let after = await rollout.after(host: agent, play: "agents", succeeded: true)
      #expect(after.map(\.summary) == ["Ready at v1.32.0+k3s1, uncordoned"])
    }
    #expect(await fake.log == ["drain w1", "uncordon w1", "drain w2", "uncordon w2"])
    #expect(await fake.mostCordoned == 1)
    // A host that does not change version gets no hook at all.
    #expect(await rollout.before(host: "cp1", play: "agents").isEmpty)
  }

  @Test func aFailedDrainLeavesThatAgentCordonedAndStartsNoOther() async throws {
    let fake = FakeMaintenance(
      ["w1", "w2"].map { UpgradePlanTests.state($0, "v1.31.5+k3s1") })
    await fake.failDrains(["w1"])
    let rollout = Self.rollout(fake, [("w1", false), ("w2", false)])
    let failed = await rollout.before(host: "w1", play: "agents")
    #expect(failed.first?.status == .failed)
    #expect(failed.first?.failure?.contains("cannot evict pod web-1") == true)
    #expect(failed.first?.failure?.contains("cluster-mgr uncordon w1") == true)
    let next = await rollout.before(host: "w2", play: "agents")
    #expect(next.first?.status == .failed)
    #expect(next.first?.summary.contains("the upgrade of w1 did not finish") == true)
    #expect(await fake.log == ["drain w1"])
  }

  @Test func anAgentCordonedBeforeTheUpgradeStaysCordoned() async throws {
    let fake = FakeMaintenance([UpgradePlanTests.state("w1", "v1.31.5+k3s1", cordoned: true)])
    let rollout = Self.rollout(fake, [("w1", true)])
    _ = await rollout.before(host: "w1", play: "agents")
    await fake.upgrade("w1", to: Self.target)
    let after = await rollout.after(host: "w1", play: "agents", succeeded: true)
    #expect(after.first?.summary == "Ready at v1.32.0+k3s1; stays cordoned, as it was before")
    #expect(await fake.log == ["drain w1"])
  }

  @Test func anAgentNotReadyAtTheNewVersionInTimeFailsAndStaysCordoned() async throws {
    let fake = FakeMaintenance([UpgradePlanTests.state("w1", "v1.31.5+k3s1")])
    let plan = UpgradePlan(
      target: Self.target,
      changes: [
        NodeVersionChange(node: "w1", from: "v1.31.5+k3s1", role: .agent, wasCordoned: false)
      ])
    let rollout = AgentRollout(
      plan: plan, maintenance: fake, drainTimeoutSeconds: 30, readyTimeout: .milliseconds(100),
      interruption: nil)
    _ = await rollout.before(host: "w1", play: "agents")
    let after = await rollout.after(host: "w1", play: "agents", succeeded: true)
    #expect(after.first?.status == .failed)
    #expect(after.first?.failure?.contains("not Ready at v1.32.0+k3s1") == true)
    #expect(await fake.log == ["drain w1"])
  }
}
