import ClusterMgrTesting
import Foundation
import Kubernetes
import Testing

@testable import ClusterOps

/// The drain through the Eviction API against the lab's API stand-in on 127.0.0.1: which pods go,
/// which stay, which forbid the drain, and a budget that blocks it until the time limit.
@Suite(.serialized, .timeLimit(.minutes(2)))
struct NodeDrainTests {
  static let server: TestAPIServer? = try? TestAPIServer()

  static func client() throws -> KubeClient {
    let server = try #require(server, "the API stand-in did not start")
    return KubeClient(credentials: try KubeCredentials.parse(server.kubeconfig, source: "test"))
  }

  static func object(_ json: String) throws -> JSONValue { try JSONValue.parse(Data(json.utf8)) }

  @Test func podsAreSortedAsKubectlDrainSortsThem() throws {
    let owner =
      #"[{"kind":"ReplicaSet","name":"r","uid":"u","apiVersion":"apps/v1","controller":true}]"#
    let daemon =
      #"[{"kind":"DaemonSet","name":"d","uid":"u","apiVersion":"apps/v1","controller":true}]"#
    let pods = try [
      #"{"metadata":{"name":"web","namespace":"a","ownerReferences":\#(owner)},"spec":{}}"#,
      #"{"metadata":{"name":"agent","namespace":"a","ownerReferences":\#(daemon)},"spec":{}}"#,
      #"{"metadata":{"name":"bare","namespace":"a"},"spec":{}}"#,
      #"{"metadata":{"name":"cache","namespace":"a","ownerReferences":\#(owner)},"spec":{"volumes":[{"name":"v","emptyDir":{}}]}}"#,
    ].map(Self.object)
    var options = NodeDrain.Options()
    let (evict, skipped, refused) = NodeDrain.classify(pods, options: options)
    #expect(evict.map { NodeDrain.name($0) } == ["a/web"])
    #expect(skipped.map { $0.0 } == ["a/agent"])
    #expect(refused.map { $0.0 } == ["a/bare", "a/cache"])
    #expect(refused[1].1.contains("--delete-emptydir-data"))
    options.deleteEmptyDirData = true
    options.force = true
    #expect(NodeDrain.classify(pods, options: options).evict.count == 3)
  }

  @Test func aBudgetThatAllowsNothingStopsTheDrainAtItsTimeLimitNamingThePod() async throws {
    let client = try Self.client()
    let workload = try Self.object(
      #"{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"kept","namespace":"default"},"spec":{"replicas":1,"selector":{"matchLabels":{"app":"kept"}},"template":{"metadata":{"labels":{"app":"kept"}},"spec":{"containers":[{"name":"c","image":"busybox"}]}}}}"#
    )
    let budget = try Self.object(
      #"{"apiVersion":"policy/v1","kind":"PodDisruptionBudget","metadata":{"name":"kept","namespace":"default"},"spec":{"minAvailable":1,"selector":{"matchLabels":{"app":"kept"}}}}"#
    )
    _ = try await client.apply(workload, as: .deployment, force: true)
    _ = try await client.apply(budget, as: .podDisruptionBudget, force: true)
    _ = try await client.wait(
      for: "the budget counted", .podDisruptionBudget, namespace: "default",
      fieldSelector: "metadata.name=kept", timeout: .seconds(30)
    ) { $0.values.first?[path: ["status", "currentHealthy"]]?.int == 1 }
    var options = NodeDrain.Options()
    options.timeout = .seconds(3)
    options.retryInterval = .milliseconds(500)
    options.deleteEmptyDirData = true
    let progress = Progress()
    let error = await #expect(throws: DrainTimedOut.self) {
      try await NodeDrain(client: client).drain("test-node", options: options) { progress.add($0) }
    }
    #expect(error?.message.contains("the drain of test-node stopped after 3 s") == true)
    #expect(error?.message.contains("pod default/kept-") == true)
    #expect(
      error?.message.contains("The disruption budget kept needs 1 healthy pods and has 1 currently")
        == true)
    #expect(progress.all.first == .cordoned(node: "test-node"))
    #expect(progress.all.contains { if case .blocked = $0 { true } else { false } })
    let node = try #require(try await client.get(.node, "test-node"))
    #expect(node[path: ["spec", "unschedulable"]] == .bool(true), "the node stays cordoned")
    _ = try await client.patch(
      .node, "test-node", .object(["spec": .object(["unschedulable": .bool(false)])]))
  }
}

final class Progress: @unchecked Sendable {
  private let lock = NSLock()
  private var entries: [NodeDrain.Progress] = []
  func add(_ entry: NodeDrain.Progress) { lock.withLock { entries.append(entry) } }
  var all: [NodeDrain.Progress] { lock.withLock { entries } }
}
