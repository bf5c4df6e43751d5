import Foundation
import Testing

@testable import ClusterOps

/// Quantities, host figures and Kubernetes objects as status and the monitor read them.
struct StatusParsingTests {
  @Test func quantitiesInEveryUnitKubernetesUses() {
    #expect(StatusQuantity.millicores("2") == 2000)
    #expect(StatusQuantity.millicores("1500m") == 1500)
    #expect(StatusQuantity.millicores("0.5") == 500)
    #expect(StatusQuantity.bytes("24684096Ki") == 24_684_096 * 1024)
    #expect(StatusQuantity.bytes("1Gi") == 1_073_741_824)
    #expect(StatusQuantity.bytes("1G") == 1_000_000_000)
    #expect(StatusQuantity.bytes("70Mi") == 70 * 1_048_576)
    #expect(StatusQuantity.bytes("255951773491") == 255_951_773_491)
    #expect(StatusQuantity.bytes("1e3") == 1000)
    #expect(StatusQuantity.bytes("lots") == nil)
    #expect(StatusQuantity.same("1Gi", "1024Mi"))
    #expect(!StatusQuantity.same("1Gi", "1G"))
    #expect(StatusFormat.cores(1500) == "1.5")
    #expect(StatusFormat.cores(350) == "0.35")
    #expect(StatusFormat.cores(2000) == "2")
  }

  static let hostOutput = """
    cpu  1000 0 500 8000 500 0 0 0 0 0
    cpu  1100 0 550 8300 550 0 0 0 0 0
    MemTotal:       16000000 kB
    MemAvailable:   12000000 kB
    cores 4
    disk 100000000 25000000
    """

  @Test func hostFiguresFromProcStatMeminfoAndDf() throws {
    let reading = try StatusHostUsage.parse(Self.hostOutput, host: "h", readAt: Date())
    // 500 jiffies passed, 350 of them idle or iowait: 30% busy.
    #expect(reading.sampledCPUPercent.map { ($0 * 10).rounded() / 10 } == 30)
    #expect(reading.cores == 4)
    #expect(reading.memoryTotalBytes == 16_000_000 * 1024)
    #expect(reading.memoryUsedBytes == 4_000_000 * 1024)
    #expect(reading.diskTotalBytes == 100_000_000 * 1024)
    #expect(reading.diskUsedBytes == 25_000_000 * 1024)
  }

  @Test func cpuShareBetweenTwoReadsAndAfterAReboot() throws {
    let single = try StatusHostUsage.parse(
      "cpu  1000 0 500 8000 500 0 0 0\nMemTotal: 1 kB\ndisk 2 1\n", host: "h", readAt: Date())
    #expect(single.sampledCPUPercent == nil)
    let later = StatusCPUTimes(total: single.cpu.total + 1000, idle: single.cpu.idle + 250)
    #expect(later.busyPercent(since: single.cpu) == 75)
    #expect(single.cpu.busyPercent(since: later) == nil)
  }

  @Test func unexpectedHostOutputIsAnErrorNamingTheHost() {
    #expect(throws: StatusHostReadError.self) {
      try StatusHostUsage.parse("sh: df: not found\n", host: "w9", readAt: Date())
    }
    do {
      _ = try StatusHostUsage.parse("", host: "w9", readAt: Date())
    } catch {
      #expect(error.message.hasPrefix("w9: "))
    }
  }

  @Test func theScriptReadsProcStatTwiceOnlyWhenSampling() {
    let once = StatusHostUsage.script(sampleInterval: nil)
    let twice = StatusHostUsage.script(sampleInterval: .milliseconds(250))
    #expect(once.components(separatedBy: "/proc/stat").count == 2)
    #expect(twice.components(separatedBy: "/proc/stat").count == 3)
    #expect(twice.contains("sleep 0.25"))
  }

  @Test func nodesReadinessRolesCapacityAndTaints() throws {
    var json = Fixtures.node(
      "w1", ready: false, roles: ["worker"], nodeArgs: ["agent"])
    var spec = json["spec"] as! [String: Any]
    spec["unschedulable"] = true
    spec["taints"] = [["key": "a", "value": "b", "effect": "NoSchedule"]]
    json["spec"] = spec
    let node = try #require(StatusKubeNode(json: json))
    #expect(node.ready == false)
    #expect(node.statusText == "NotReady,SchedulingDisabled")
    #expect(node.roles == ["worker"])
    #expect(node.allocatableMillicores == 1500)
    #expect(node.capacityMemory == UInt64(8) * 1_073_741_824)
    #expect(node.taints.map { $0.spec } == ["a=b:NoSchedule"])
    #expect(node.internalIP == "100.64.0.99")
    #expect(node.createdAt == StatusTime.parse("2026-01-02T03:04:05Z"))
  }

  @Test func podsRequestsStatusAndOwningWorkload() throws {
    let json: [String: Any] = [
      "kind": "Pod",
      "metadata": [
        "name": "web-7d9f-abcde", "namespace": "shop", "labels": ["pod-template-hash": "7d9f"],
        "ownerReferences": [["kind": "ReplicaSet", "name": "web-7d9f", "controller": true]],
      ],
      "spec": [
        "nodeName": "w1",
        "containers": [
          [
            "name": "a", "image": "nginx",
            "resources": ["requests": ["cpu": "100m", "memory": "64Mi"]],
          ],
          ["name": "b", "image": "sidecar", "resources": ["requests": ["cpu": "0.25"]]],
        ],
      ],
      "status": [
        "phase": "Running",
        "containerStatuses": [
          ["name": "a", "ready": true, "restartCount": 3, "state": ["running": [:]]],
          [
            "name": "b", "ready": false, "restartCount": 4,
            "state": ["waiting": ["reason": "CrashLoopBackOff"]],
          ],
        ],
      ],
    ]
    let pod = try #require(StatusKubePod(json: json))
    #expect(pod.cpuRequestMillicores == 350)
    #expect(pod.memoryRequestBytes == 64 * 1_048_576)
    #expect(pod.readyContainers == 1 && pod.totalContainers == 2)
    #expect(pod.restarts == 7)
    #expect(pod.displayStatus == "CrashLoopBackOff")
    #expect(pod.isFailing)
    #expect(pod.workload?.kind == "Deployment")
    #expect(pod.workload?.name == "web")
  }
}
