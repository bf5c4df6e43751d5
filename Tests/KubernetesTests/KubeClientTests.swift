import ClusterMgrTesting
import CurlHTTP
import Foundation
import Kubernetes
import Testing

/// The Kubernetes client against the lab's API stand-in on 127.0.0.1 (real HTTPS with the
/// cluster CA and a client certificate from memory): reads, server-side apply with field
/// ownership and dry runs, Status errors, watches, evictions, retries and the fallback route.
@Suite(.serialized, .timeLimit(.minutes(2)))
struct KubeClientTests {
  @Test func readsTheClusterOverOneConnection() async throws {
    let client = try TestCluster.client()
    let nodes = try await client.list(.node)
    #expect(nodes.items.map { $0[path: ["metadata", "name"]]?.string } == ["test-node"])
    #expect(!nodes.resourceVersion.isEmpty)
    #expect(try await client.get(.node, "test-node") != nil)
    #expect(try await client.get(.node, "no-such-node") == nil)
    let stats = await client.statistics
    #expect(stats.requests == 3)
    #expect(stats.connections == 1, "requests one after another share one connection")
    let served = try TestCluster.api().requests().suffix(3)
    #expect(served.allSatisfy { ($0["userAgent"] as? String)?.hasPrefix("cluster-mgr/") == true })
  }

  @Test func serverSideApplyOwnsFieldsAndDryRunsShowWhatWouldChange() async throws {
    let client = try TestCluster.client()
    let desired = TestCluster.configMap("ssa", ["replicas": "4", "mode": "shared"])
    let created = try await client.apply(desired, as: .configMap, force: true)
    let version = created[path: ["metadata", "resourceVersion"]]?.string
    #expect(
      created[path: ["metadata", "managedFields"]]?.array?.first?["manager"]?.string
        == "cluster-mgr")
    let again = try await client.apply(desired, as: .configMap, force: true)
    #expect(
      again[path: ["metadata", "resourceVersion"]]?.string == version,
      "a no-op apply changes nothing")

    // Someone edits a field cluster-mgr owns: it becomes theirs.
    _ = try await client.send(
      "PATCH", ResourceType.configMap.path(namespace: "default", name: "ssa"),
      query: [("fieldManager", "kubectl-edit")],
      body: JSONValue.object(["data": .object(["replicas": .string("2")])]).data,
      contentType: "application/merge-patch+json")
    let live = try #require(try await client.get(.configMap, "ssa", namespace: "default"))
    #expect(!FieldDiff.contains(desired, in: live))
    let refused = await KubeError.result { () async throws(KubeError) -> JSONValue in
      try await client.apply(desired, as: .configMap, force: false, dryRun: true)
    }
    guard case .failure(let conflict) = refused else {
      Issue.record("an apply over another manager's field must conflict")
      return
    }
    #expect(conflict.status?.code == 409)
    #expect(conflict.status?.message.contains("conflict with \"kubectl-edit\"") == true)
    #expect(conflict.status?.message.contains(".data.replicas") == true)

    let preview = try await client.apply(desired, as: .configMap, force: true, dryRun: true)
    let changes = FieldDiff.changes(from: live, to: preview)
    #expect(changes.map(\.path) == ["data.replicas"])
    #expect(changes.first?.old == .string("2") && changes.first?.new == .string("4"))
    let unchanged = try #require(try await client.get(.configMap, "ssa", namespace: "default"))
    #expect(unchanged["data"]?["replicas"]?.string == "2", "a dry run changes nothing")

    let restored = try await client.apply(desired, as: .configMap, force: true)
    #expect(restored["data"]?["replicas"]?.string == "4")
    #expect(
      FieldDiff.changes(
        from: restored, to: try await client.apply(desired, as: .configMap, force: true)
      ).isEmpty)
  }

  @Test func refusalsCarryTheAPIsOwnStatus() async throws {
    let client = try TestCluster.client()
    let invalid: JSONValue = .object([
      "apiVersion": .string("node.k8s.io/v1"), "kind": .string("RuntimeClass"),
      "metadata": .object(["name": .string("broken")]),
    ])
    let type = try #require(
      try await client.resourceType(apiVersion: "node.k8s.io/v1", kind: "RuntimeClass"))
    let result = await KubeError.result { () async throws(KubeError) -> JSONValue in
      try await client.apply(invalid, as: type, force: true)
    }
    guard case .failure(let error) = result else {
      Issue.record("a RuntimeClass without a handler is invalid")
      return
    }
    #expect(error.status?.code == 422)
    #expect(error.status?.reason == "Invalid")
    #expect(error.message.contains("handler: Required value"))
    #expect(error.message.contains("PATCH /apis/node.k8s.io/v1/runtimeclasses/broken"))
    #expect(try await client.resourceType(apiVersion: "example.com/v1", kind: "Nothing") == nil)
  }

  @Test func waitsWithAWatchUntilTheConditionHolds() async throws {
    let client = try TestCluster.client()
    let name = "watched-\(UInt32.random(in: 0...UInt32.max))"
    async let waited = client.wait(
      for: "\(name) to exist with ready=yes", .configMap, namespace: "default",
      fieldSelector: "metadata.name=\(name)", timeout: .seconds(20)
    ) { objects in objects["default/\(name)"]?["data"]?["ready"]?.string == "yes" }
    try await Task.sleep(for: .milliseconds(300))
    _ = try await client.apply(
      TestCluster.configMap(name, ["ready": "no"]), as: .configMap, force: true)
    try await Task.sleep(for: .milliseconds(300))
    _ = try await client.apply(
      TestCluster.configMap(name, ["ready": "yes"]), as: .configMap, force: true)
    let objects = try await waited
    #expect(objects.count == 1)
    let watches = try TestCluster.api().requests().filter { $0["watch"] as? Bool == true }
    #expect(!watches.isEmpty, "the wait watched rather than polled")

    let timedOut = await #expect(throws: KubeWaitTimeout.self) {
      try await client.wait(
        for: "a ConfigMap that never comes", .configMap, namespace: "default",
        fieldSelector: "metadata.name=never", timeout: .seconds(1)
      ) { !$0.isEmpty }
    }
    #expect(
      timedOut?.message.contains("a ConfigMap that never comes: not reached within 1 s") == true)
  }

  @Test func anEvictionTheBudgetForbidsIsRefusedWithItsReason() async throws {
    let client = try TestCluster.client()
    let deployment: JSONValue = try JSONValue.parse(
      Data(
        """
        {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"guarded","namespace":"default"},
         "spec":{"replicas":1,"selector":{"matchLabels":{"app":"guarded"}},
                 "template":{"metadata":{"labels":{"app":"guarded"}},
                             "spec":{"containers":[{"name":"c","image":"busybox"}]}}}}
        """.utf8))
    let budget: JSONValue = try JSONValue.parse(
      Data(
        """
        {"apiVersion":"policy/v1","kind":"PodDisruptionBudget","metadata":{"name":"guarded","namespace":"default"},
         "spec":{"minAvailable":1,"selector":{"matchLabels":{"app":"guarded"}}}}
        """.utf8))
    _ = try await client.apply(deployment, as: .deployment, force: true)
    _ = try await client.apply(budget, as: .podDisruptionBudget, force: true)
    let ready = try await client.wait(
      for: "the guarded pod Ready", .pod, namespace: "default", labelSelector: "app=guarded",
      timeout: .seconds(30)
    ) { pods in
      pods.values.contains {
        ($0[path: ["status", "conditions"]]?.array ?? []).contains {
          $0["type"]?.string == "Ready" && $0["status"]?.string == "True"
        }
      }
    }
    _ = try await client.wait(
      for: "the budget counted", .podDisruptionBudget, namespace: "default",
      fieldSelector: "metadata.name=guarded", timeout: .seconds(10)
    ) { $0.values.first?[path: ["status", "currentHealthy"]]?.int == 1 }
    let pod = try #require(ready.values.first?[path: ["metadata", "name"]]?.string)
    let outcome = try await client.evict(pod: pod, namespace: "default")
    guard case .blocked(let message) = outcome else {
      Issue.record("the budget allows no disruption: \(outcome)")
      return
    }
    #expect(message.contains("Cannot evict pod as it would violate the pod's disruption budget."))
    #expect(
      message.contains("The disruption budget guarded needs 1 healthy pods and has 1 currently"))
    #expect(try await client.get(.pod, pod, namespace: "default") != nil, "the pod stays")
    #expect(try await client.evict(pod: "no-such-pod", namespace: "default") == .gone)
  }

  @Test func aRouteThatCannotConnectSwitchesOnceToTheFallback() async throws {
    let server = try TestCluster.api()
    let real = "https://127.0.0.1:\(server.port)"
    let asked = Counter()
    let client = try TestCluster.client(route: .nowhere("/tmp/cm-no-such-socket")) { failure in
      asked.increment()
      #expect(failure.beforeConnecting)
      return KubeRoute(route: .network, server: real, description: "\(real) (fallback)")
    }
    #expect(try await client.get(.node, "test-node") != nil)
    #expect(try await client.list(.node).items.count == 1)
    #expect(asked.value == 1, "the fallback is chosen once")
    #expect(await client.routeDescription == "\(real) (fallback)")

    let stranded = try TestCluster.client(route: .nowhere("/tmp/cm-no-such-socket"))
    let result = await KubeError.result { () async throws(KubeError) -> JSONValue? in
      try await stranded.get(.node, "test-node")
    }
    guard case .failure(let error) = result, case .transport(let failure) = error.failure else {
      Issue.record("no route at all is a transport failure")
      return
    }
    #expect(failure.kind == .noSuchSocket)
    #expect(error.exitStatus == 4)
  }

  @Test func theKubeconfigGivesOnlyInlineCredentials() throws {
    let server = try TestCluster.api()
    let credentials = try KubeCredentials.parse(server.kubeconfig, source: "test")
    #expect(credentials.server == "https://127.0.0.1:\(server.port)")
    #expect(String(decoding: credentials.authorityPEM, as: UTF8.self).contains("BEGIN CERTIFICATE"))
    #expect(credentials.keyPEM != nil && credentials.token == nil)
    let planted = server.kubeconfig.replacingOccurrences(
      of: "\"client-key-data\"", with: "\"exec\": {\"command\": \"/bin/sh\"}, \"client-key-data\"")
    #expect(throws: KubeconfigProblem.self) {
      try KubeCredentials.parse(planted, source: "planted")
    }
  }
}

/// A counter a @Sendable closure can bump.
final class Counter: @unchecked Sendable {
  private let lock = NSLock()
  private var count = 0
  var value: Int { lock.withLock { count } }
  func increment() { lock.withLock { count += 1 } }
}
