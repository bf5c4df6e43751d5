import Basics
import Foundation
import Inventory
import Kubernetes
import RunHistory
import SSHTransport

/// `cluster-mgr drain`, `cordon` and `uncordon`: a node out for a while, and back.
///
/// Through the cluster's API (``NodeDrain``), with the K3s agent stopped and started over SSH
/// on request. Every run is recorded in the history.
public enum NodeMaintenanceOperation {
  /// Carries out `request`, reporting each step through `say`; throws an error naming the
  /// host, the step and what to do when a step fails (what was already done is said).
  public static func run(
    _ request: NodeMaintenanceRequest, context: ClusterContext, access: ClusterAccess,
    commandLine: [String] = CommandLine.arguments, interruption: Interruption = Interruption(),
    say: @escaping @Sendable (String) -> Void
  ) async throws -> NodeMaintenanceResult {
    let api = try await access.api()
    let nodes = try await api.list(.node).items.compactMap {
      StatusKubeNode(json: $0.foundation as? [String: Any] ?? [:])
    }
    let target = try resolve(request.name, context: context, nodes: nodes)
    if request.stopK3s { try checkStopK3s(target, name: request.name) }
    var steps = Steps(
      history: await OperationHistory.begin(
        command: request.action.rawValue, commandLine: commandLine,
        inventoryPath: request.inventoryPath, redactor: context.redactor,
        cluster: context.settings.clusterName),
      host: target.host ?? target.nodeName, redactor: context.redactor,
      interruption: interruption, name: request.name)
    var result = NodeMaintenanceResult(target: target)
    let node = target.nodeName
    switch request.action {
    case .cordon:
      try await steps.run(
        "cordon", remedy: "check the cluster (cluster-mgr status), then run again"
      ) {
        try await NodeDrain(client: api).cordon(node)
        say(target.wasCordoned ? "\(node) was already cordoned" : "cordoned \(node)")
        return target.wasCordoned ? nil : "cordoned"
      }
    case .drain:
      try await drain(request, target: target, api: api, steps: &steps, say: say)
      if request.stopK3s, let host = target.host {
        try await steps.run(
          "stop k3s-agent",
          remedy:
            "\(node) is drained and cordoned; stop it by hand (cluster-mgr ssh \(host), then sudo systemctl stop k3s-agent), "
            + "or give it back with cluster-mgr uncordon \(request.name)"
        ) {
          let connection = try await context.connection(to: host)
          guard try await K3sAgentUnit.isActive(connection) else {
            say("K3s (k3s-agent) was already stopped on \(host)")
            return nil
          }
          say("stopping K3s (k3s-agent) on \(host) ...")
          try await K3sAgentUnit.change(connection, host: host, start: false)
          result.k3sChanged = true
          say(
            "stopped K3s on \(host): the node is NotReady until cluster-mgr uncordon \(request.name)"
          )
          return "k3s-agent stopped"
        }
      }
    case .uncordon:
      if let host = target.host, !target.isServer {
        try await startAgent(
          request, target: target, host: host, context: context, api: api, steps: &steps,
          result: &result, say: say)
      }
      try await steps.run(
        "uncordon", remedy: "check the cluster (cluster-mgr status), then run again"
      ) {
        try await NodeDrain(client: api).uncordon(node)
        say(
          target.wasCordoned
            ? "uncordoned \(node): pods may be scheduled on it again"
            : "\(node) was already schedulable")
        return target.wasCordoned ? "uncordoned" : nil
      }
    }
    result.runID = await steps.history.finish(.succeeded)
    result.historyWarning = steps.history.warning
    return result
  }

  private static func drain(
    _ request: NodeMaintenanceRequest, target: NodeMaintenanceTarget, api: KubeClient,
    steps: inout Steps, say: @escaping @Sendable (String) -> Void
  ) async throws {
    let node = target.nodeName
    var options = NodeDrain.Options()
    options.deleteEmptyDirData = request.deleteEmptyDirData
    options.force = request.force
    options.timeout = .seconds(request.drainTimeoutSeconds)
    say("draining \(node) (up to \(request.drainTimeoutSeconds) s) ...")
    try await steps.run(
      "drain",
      remedy:
        "\(node) is cordoned now; fix what blocks the drain and run cluster-mgr drain \(request.name) again, "
        + "or give the node back with cluster-mgr uncordon \(request.name)"
    ) {
      try await NodeDrain(client: api).drain(node, options: options) {
        say("  " + DrainProgressText.line($0))
      }
      say("drained \(node)")
      return "drained"
    }
  }

  /// Starts the K3s agent again when it is stopped, and waits for the node to be Ready.
  private static func startAgent(
    _ request: NodeMaintenanceRequest, target: NodeMaintenanceTarget, host: String,
    context: ClusterContext, api: KubeClient, steps: inout Steps,
    result: inout NodeMaintenanceResult,
    say: @escaping @Sendable (String) -> Void
  ) async throws {
    let node = target.nodeName
    let connection: SSHConnection
    let active: Bool
    do {
      connection = try await context.connection(to: host)
      active = try await K3sAgentUnit.isActive(connection)
    } catch {
      say(
        "warning: cannot check whether K3s runs on \(host) (\(Steps.describe(error))); "
          + "uncordoning \(node) without starting it")
      return
    }
    guard !active else { return }
    let before = try await api.get(.node, node)
    let heartbeat = readyCondition(before)?["lastHeartbeatTime"]?.string
    let seconds = request.readyTimeoutSeconds
    try await steps.run(
      "start k3s-agent",
      remedy:
        "look at K3s on \(host) (cluster-mgr ssh \(host), then journalctl -u k3s-agent) and run cluster-mgr uncordon \(request.name) again"
    ) {
      say("starting K3s (k3s-agent) on \(host) ...")
      try await K3sAgentUnit.change(connection, host: host, start: true)
      result.k3sChanged = true
      say("waiting up to \(seconds) s for \(node) to be Ready ...")
      _ = try await api.wait(
        for: "the node \(node) to be Ready after K3s started on \(host)", .node,
        timeout: .seconds(seconds),
        describe: { objects in
          let condition = readyCondition(objects[node])
          return
            "Ready=\(condition?["status"]?.string ?? "absent") (\(condition?["reason"]?.string ?? "no reason"))"
        },
        until: { objects in
          guard let condition = readyCondition(objects[node]),
            condition["status"]?.string == "True"
          else { return false }
          return heartbeat == nil || condition["lastHeartbeatTime"]?.string != heartbeat
        })
      say("K3s runs on \(host) and \(node) is Ready")
      return "k3s-agent started, node Ready"
    }
  }

  /// The Ready condition of a Node object.
  static func readyCondition(_ node: JSONValue?) -> JSONValue? {
    (node?[path: ["status", "conditions"]]?.array ?? []).first { $0["type"]?.string == "Ready" }
  }
}
