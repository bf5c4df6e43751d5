import ClusterMgrTesting
import Foundation
import Testing

/// `cluster-mgr status` and `cluster-mgr drift` (the real binary) against a K3s cluster on the
/// lab, provisioned once for the suite.
@Suite(.serialized, .lab("t-status", hosts: ["lab-cp1", "lab-w1", "lab-w2"]))
struct StatusLabTests {
  /// The suite's cluster, provisioned by the first test that needs it.
  static func cluster() throws -> StatusLabCluster {
    let lab = try LabInstance.required()
    return try shared.value(for: lab.name) { try StatusLabCluster.provisioned(lab) }
  }

  private static let shared = StatusOnceBox<StatusLabCluster>()

  @Test func statusListsEveryNodeWithAPITailnetAndHostFigures() throws {
    let cluster = try Self.cluster()
    let (status, report, stderr) = try cluster.json(["status", "--pods"])
    #expect(status == 0, "\(stderr)")
    let server = report["server"] as? [String: Any]
    #expect(server?["reachable"] as? Bool == true)
    #expect(server?["name"] as? String == "lab-cp1")
    let nodes = report["nodes"] as? [[String: Any]] ?? []
    #expect(nodes.compactMap { $0["name"] as? String } == ["lab-cp1", "lab-w1", "lab-w2"])
    for node in nodes {
      let name = node["name"] as? String ?? "?"
      let address = cluster.lab.host(name).address
      #expect(node["ready"] as? Bool == true, "\(name)")
      #expect(node["k3sVersion"] as? String == StatusLabCluster.version, "\(name)")
      #expect(node["tailscaleIP"] as? String == address, "\(name)")
      #expect(node["tailnetOnline"] as? Bool == true, "\(name)")
      let cpu = node["cpu"] as? [String: Any]
      #expect((cpu?["allocatableMillicores"] as? Int ?? 0) > 0, "\(name)")
      let memory = node["memory"] as? [String: Any]
      #expect((memory?["allocatableBytes"] as? Int ?? 0) > 0, "\(name)")
      let host = node["host"] as? [String: Any]
      #expect(host?["readable"] as? Bool == true, "\(name): \(host ?? [:])")
      #expect((host?["memoryTotalBytes"] as? Int ?? 0) > 0, "\(name)")
      #expect((host?["memoryUsedBytes"] as? Int ?? 0) > 0, "\(name)")
      #expect((host?["diskTotalBytes"] as? Int ?? 0) > 0, "\(name)")
      #expect(host?["cpuPercent"] is Double || host?["cpuPercent"] is Int, "\(name)")
    }
    let roles = nodes.first?["roles"] as? [String] ?? []
    #expect(roles.contains("control-plane"))
    let pods = report["pods"] as? [[String: Any]] ?? []
    #expect(pods.contains { ($0["name"] as? String ?? "").hasPrefix("coredns-") })

    let text = try cluster.run(["status", "-n", "kube-system"])
    #expect(text.status == 0, "\(text.stderr)")
    let lines = text.stdout.split(separator: "\n").map(String.init)
    #expect(lines.first == "API: lab-cp1 at https://\(cluster.lab.host("lab-cp1").address):6443")
    #expect(lines.dropFirst().first?.hasPrefix("NAME ") == true)
    for name in ["lab-cp1", "lab-w1", "lab-w2"] {
      let row = try #require(lines.first { $0.hasPrefix(name + " ") })
      #expect(row.contains(" Ready ") && row.contains(" online ") && row.contains(" GiB"))
    }
    #expect(lines.contains { $0.hasPrefix("CPU, MEMORY, DISK: measured on each host over SSH") })
    #expect(lines.contains { $0.hasPrefix("kube-system  coredns-") })
  }

  @Test func statusAndDriftNameTheServersTriedWhenTheAPIIsUnreachable() throws {
    let cluster = try Self.cluster()
    try cluster.lab.exec("lab-cp1", "systemctl stop k3s")
    defer {
      _ = try? cluster.lab.exec("lab-cp1", "systemctl start k3s")
      _ = try? StatusLabCluster.waitUntil(seconds: 60) {
        try cluster.lab.exec("lab-cp1", "k3s kubectl get --raw /readyz").status == 0
      }
    }
    let text = try cluster.run(["status"])
    #expect(text.status == 4)
    #expect(text.stderr.contains("the cluster's API is unreachable (servers tried: lab-cp1)"))
    #expect(text.stdout.hasPrefix("API: unreachable (servers tried: lab-cp1)"))
    let (status, report, _) = try cluster.json(["status"])
    #expect(status == 4)
    let server = report["server"] as? [String: Any]
    #expect(server?["reachable"] as? Bool == false)
    #expect(server?["tried"] as? [String] == ["lab-cp1"])
    #expect((server?["error"] as? String ?? "").contains("lab-cp1"))
    let nodes = report["nodes"] as? [[String: Any]] ?? []
    #expect(nodes.count == 3)
    // What does not need the API is still there: the tailnet and the hosts' own figures.
    #expect(nodes.allSatisfy { $0["tailnetOnline"] as? Bool == true })
    #expect(nodes.allSatisfy { ($0["host"] as? [String: Any])?["readable"] as? Bool == true })

    let drift = try cluster.json(["drift"])
    #expect(drift.status == 4)
    #expect(drift.object["drift"] as? Bool == false)
    let unchecked = drift.object["unchecked"] as? [String] ?? []
    #expect(
      unchecked.contains {
        $0.hasPrefix("cluster: the API is unreachable (servers tried: lab-cp1)")
      })
  }
}

/// A value made once per key and shared by the tests of a serialized suite.
final class StatusOnceBox<Value: Sendable>: @unchecked Sendable {
  // Safety: `values` is read and written only under `lock`.
  private let lock = NSLock()
  private var values: [String: Value] = [:]

  /// The value for `key`, made by `make` the first time.
  func value(for key: String, _ make: () throws -> Value) throws -> Value {
    lock.lock()
    defer { lock.unlock() }
    if let value = values[key] { return value }
    let value = try make()
    values[key] = value
    return value
  }
}
