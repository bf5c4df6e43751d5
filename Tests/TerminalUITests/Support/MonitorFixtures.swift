import Foundation
import TerminalUI

/// A small cluster to render: the same every time, relative to ``now``.
enum MonitorFixtures {
  static let now = Date(timeIntervalSince1970: 1_763_800_000)
  static let gib: UInt64 = 1_073_741_824

  static func ago(_ seconds: TimeInterval) -> Date { now.addingTimeInterval(-seconds) }

  static let nodes: [MonitorNode] = [
    MonitorNode(
      name: "node-a", role: "server", ready: true, tailnetOnline: true, k3sVersion: "v1.31.4+k3s1",
      usage: NodeUsage(
        cpuPercent: 12.4, memoryUsedBytes: gib * 33 / 10, memoryTotalBytes: gib * 155 / 10,
        diskUsedBytes: gib * 205 / 10, diskTotalBytes: gib * 979 / 10),
      usageReadAt: ago(2), gpuCount: 0, createdAt: ago(5 * 86_400),
      details: [
        MonitorDetail("Tailscale IP", "100.64.0.1"), MonitorDetail("OS", "Debian GNU/Linux 12"),
      ]),
    MonitorNode(
      name: "gpu-box-1", role: "agent", ready: true, tailnetOnline: true,
      k3sVersion: "v1.31.4+k3s1",
      usage: NodeUsage(
        cpuPercent: 87, memoryUsedBytes: gib * 30, memoryTotalBytes: gib * 627 / 10,
        diskUsedBytes: gib * 412, diskTotalBytes: gib * 931),
      usageReadAt: ago(2), gpuCount: 2, createdAt: ago(3 * 86_400)),
    MonitorNode(
      name: "node-c", role: "agent", ready: false, tailnetOnline: false,
      k3sVersion: "v1.31.4+k3s1",
      usage: NodeUsage(
        cpuPercent: 3, memoryUsedBytes: gib * 12 / 10, memoryTotalBytes: gib * 78 / 10,
        diskUsedBytes: gib * 9, diskTotalBytes: gib * 29),
      usageReadAt: ago(40), isReadable: false, gpuCount: 0, createdAt: ago(5 * 86_400)),
    MonitorNode(
      name: "new-node", role: "agent", ready: nil, tailnetOnline: true,
      usage: NodeUsage(
        cpuPercent: nil, memoryUsedBytes: gib / 2, memoryTotalBytes: gib * 2,
        diskUsedBytes: gib * 3, diskTotalBytes: gib * 16),
      usageReadAt: ago(1)),
  ]

  static let workloads: [MonitorWorkload] = [
    MonitorWorkload(
      namespace: "kube-system", name: "coredns", kind: "Deployment", ready: 1, desired: 1,
      health: .healthy),
    MonitorWorkload(
      namespace: "kube-system", name: "traefik", kind: "Deployment", ready: 1, desired: 1,
      restarts: 2, health: .healthy),
    MonitorWorkload(
      namespace: "flux-system", name: "source-controller", kind: "Deployment", ready: 0,
      desired: 1, restarts: 5, health: .degraded,
      details: [
        MonitorDetail("Image", "ghcr.io/fluxcd/source-controller:v1.4.1"),
        MonitorDetail("Pods", "source-controller-6d5f7c9b8-x2x4q CrashLoopBackOff (5 restarts)"),
      ]),
    MonitorWorkload(
      namespace: "gpu-operator", name: "nvidia-device-plugin-daemonset", kind: "DaemonSet",
      ready: 1, desired: 2, health: .progressing),
    MonitorWorkload(
      namespace: "default", name: "web", kind: "StatefulSet", ready: 3, desired: 3,
      health: .healthy),
  ]

  static let events: [MonitorEvent] = [
    MonitorEvent(
      time: ago(600), source: .clusterMgr, kind: .normal, object: "run 42",
      message: "provision: 4 hosts ok, 1 changed (12.3s)"),
    MonitorEvent(
      time: ago(35), source: .cluster, kind: .warning, object: "node/node-c",
      message: "Node node-c status is now: NodeNotReady"),
    MonitorEvent(
      time: ago(120), source: .cluster, kind: .normal, object: "pod/web-0",
      message:
        "Successfully pulled image \"nginx:1.27\" in 2.1s (2.1s including waiting). Image size: 72 MB. Container will start next."
    ),
    MonitorEvent(
      time: ago(3600), source: .clusterMgr, kind: .error, object: "run 41",
      message: "provision failed on gpu-box-1: gpu › nvidia driver: exit status 100"),
  ]

  static let model = MonitorModel(
    nodes: nodes, workloads: workloads, events: events, server: .reachable, notices: [],
    refreshedAt: ago(3))

  /// Renders `state` over `model` at `width` × `height`, plain.
  static func frame(
    _ state: MonitorState = MonitorState(), model: MonitorModel = model, width: Int = 100,
    height: Int = 20, styler: Styler = .plain
  ) -> [String] {
    Monitor.render(
      model, state, size: TerminalSize(width: width, height: height), now: now, styler: styler)
  }

  /// `state` after each of `keys`.
  static func state(
    after keys: [Key], from state: MonitorState = MonitorState(), model: MonitorModel = model
  ) -> MonitorState {
    keys.reduce(state) { Monitor.reduce($0, $1, model: model).state }
  }

  /// The keys that type `text`.
  static func typing(_ text: String) -> [Key] { text.map { .char($0) } }
}
