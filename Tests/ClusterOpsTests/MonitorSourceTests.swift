import Foundation
import RunHistory
import TerminalUI
import Testing

@testable import ClusterOps

/// How the monitor's data source turns what it read into the monitor's model.
struct MonitorSourceTests {
  static func deployment(
    _ name: String, replicas: Int, ready: Int, updated: Int, generation: Int = 1,
    observed: Int = 1
  ) -> [String: Any] {
    [
      "kind": "Deployment",
      "metadata": ["name": name, "namespace": "shop", "generation": generation],
      "spec": [
        "replicas": replicas,
        "template": ["spec": ["containers": [["name": "c", "image": "nginx:1.27"]]]],
      ],
      "status": [
        "readyReplicas": ready, "updatedReplicas": updated, "observedGeneration": observed,
      ],
    ]
  }

  static func pod(
    _ name: String, owner: String, hash: String, restarts: Int, waiting: String? = nil
  )
    -> [String: Any]
  {
    var state: [String: Any] = ["running": [:]]
    if let waiting { state = ["waiting": ["reason": waiting]] }
    return [
      "kind": "Pod",
      "metadata": [
        "name": name, "namespace": "shop", "labels": ["pod-template-hash": hash],
        "ownerReferences": [
          ["kind": "ReplicaSet", "name": "\(owner)-\(hash)", "controller": true]
        ],
      ],
      "spec": ["nodeName": "w1", "containers": [["name": "c"]]],
      "status": [
        "phase": "Running",
        "containerStatuses": [
          ["name": "c", "ready": waiting == nil, "restartCount": restarts, "state": state]
        ],
      ],
    ]
  }

  @Test func workloadsHealthReadyAndRestartsFromTheirPods() {
    let list: [String: Any] = [
      "items": [
        Self.deployment("web", replicas: 2, ready: 2, updated: 2),
        Self.deployment("api", replicas: 3, ready: 1, updated: 3),
        Self.deployment("new", replicas: 2, ready: 1, updated: 1, generation: 2, observed: 1),
        Self.deployment("broken", replicas: 1, ready: 0, updated: 1),
        Self.pod("web-1", owner: "web", hash: "aa", restarts: 2),
        Self.pod("web-2", owner: "web", hash: "aa", restarts: 1),
        Self.pod("broken-1", owner: "broken", hash: "bb", restarts: 9, waiting: "CrashLoopBackOff"),
        [
          "kind": "DaemonSet", "metadata": ["name": "agent", "namespace": "kube-system"],
          "status": ["desiredNumberScheduled": 3, "numberReady": 3, "updatedNumberScheduled": 3],
        ],
      ]
    ]
    let snapshot = MonitorClusterSnapshot(list: list, server: "cp1", readAt: Date())
    let byName = Dictionary(uniqueKeysWithValues: snapshot.workloads.map { ($0.name, $0) })
    #expect(byName["web"]?.health == .healthy)
    #expect(byName["web"]?.restarts == 3)
    #expect(byName["web"]?.ready == 2 && byName["web"]?.desired == 2)
    #expect(byName["api"]?.health == .degraded)
    #expect(byName["new"]?.health == .progressing)
    #expect(byName["broken"]?.health == .failed)
    #expect(byName["broken"]?.restarts == 9)
    #expect(byName["agent"]?.kind == "DaemonSet" && byName["agent"]?.health == .healthy)
    #expect(byName["web"]?.details.first == MonitorDetail("Images", "nginx:1.27"))
    #expect(snapshot.workloads.first?.namespace == "kube-system")
  }

  @Test func eventsNewestFirstWithTheirObject() throws {
    let list: [String: Any] = [
      "items": [
        [
          "kind": "Event", "type": "Warning", "reason": "BackOff", "message": "Back-off restarting",
          "count": 4, "lastTimestamp": "2026-01-02T03:04:05Z",
          "involvedObject": ["kind": "Pod", "name": "web-1"], "metadata": ["name": "e1"],
        ],
        [
          "kind": "Event", "type": "Normal", "reason": "NodeReady", "message": "",
          "eventTime": "2026-01-02T03:05:05.123456Z",
          "involvedObject": ["kind": "Node", "name": "w1"], "metadata": ["name": "e2"],
        ],
      ]
    ]
    let events = MonitorClusterSnapshot(list: list, server: "cp1", readAt: Date()).events
    #expect(events.map(\.object) == ["node/w1", "pod/web-1"])
    #expect(events[0].message == "NodeReady")
    #expect(events[1].kind == .warning)
    #expect(events[1].message == "Back-off restarting (×4)")
  }

  @Test func anUnreadableHostIsNotReadableWithItsReasonAndOthersKeepTheirFigures() throws {
    let (inventory, _) = try Fixtures.inventory()
    let list: [String: Any] = [
      "items": [
        Fixtures.node("cp1", roles: ["control-plane"]), Fixtures.node("w1"),
        Fixtures.node("stranger", roles: ["worker"]),
      ]
    ]
    let snapshot = MonitorClusterSnapshot(list: list, server: "cp1", readAt: Date())
    let usage = NodeUsage(
      cpuPercent: 12, memoryUsedBytes: 1, memoryTotalBytes: 2, diskUsedBytes: 3, diskTotalBytes: 4)
    let rows = MonitorNodes.rows(
      inventory: inventory, cluster: snapshot, clusterIsCurrent: true,
      tailnet: StatusTailnet(
        peers: [
          "cp1": Fixtures.peer("cp1", ip: "100.64.0.10"),
          "w2": Fixtures.peer("w2", ip: "100.64.0.12", online: false),
        ],
        problem: nil),
      hosts: [
        "cp1": .read(usage, at: Date()), "w1": .read(usage, at: Date()),
        "w2": .unreadable("w2: connect: connection refused"),
      ])
    #expect(rows.map(\.name) == ["cp1", "w1", "w2", "stranger"])
    #expect(rows[0].role == "server" && rows[0].ready == true && rows[0].usage == usage)
    #expect(rows[1].tailnetOnline == false)
    #expect(rows[2].isReadable == false && rows[2].usage == nil && rows[2].ready == nil)
    #expect(rows[2].details.contains(MonitorDetail("Host", "w2: connect: connection refused")))
    #expect(rows[2].details.contains(MonitorDetail("Cluster", "not registered")))
    #expect(rows[3].role == "agent")
    #expect(rows[3].details.first?.value.contains("not in the inventory") == true)
  }

  @Test func runsFromTheHistoryBecomeEvents() {
    let run = RunSummary(
      id: RunID(rawValue: 42), command: "provision", commandLine: "cluster-mgr provision",
      user: "me", machine: "ws", inventoryPath: nil, inventorySHA256: nil, checkMode: false,
      startedAt: Date(timeIntervalSince1970: 100), finishedAt: Date(timeIntervalSince1970: 112),
      outcome: .partial, counts: .init(hosts: 3, ok: 20, changed: 2, failed: 1),
      durationMilliseconds: 12_300)
    let event = MonitorRuns.event(run)
    #expect(event.object == "run 42")
    #expect(event.kind == .warning)
    #expect(event.source == .clusterMgr)
    #expect(event.time == Date(timeIntervalSince1970: 112))
    #expect(event.message == "provision partial: 3 hosts, 20 ok, 2 changed, 1 failed (12.3s)")
  }

  @Test func aDeadlineGivesUpOnHungWorkWithoutCancellingIt() async {
    let slow = Task<Int, any Error> {
      try await Task.sleep(for: .milliseconds(400))
      return 7
    }
    let early = await MonitorDeadline.result(of: slow, by: .now + .milliseconds(50))
    #expect(early == nil)
    let later = await MonitorDeadline.result(of: slow, by: .now + .seconds(5))
    #expect((try? later?.get()) == 7)
  }
}
