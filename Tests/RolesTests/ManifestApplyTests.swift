import ClusterMgrTesting
import Engine
import Foundation
import Kubernetes
import Testing

@testable import Roles

/// A manifest kept applied through the API, against the lab's API stand-in on 127.0.0.1:
/// created, then nothing to do, an edited field found by the dry run and put back, an object
/// the manifest dropped deleted, and an object of the same name that is not cluster-mgr's left to
/// its owner.
@Suite(.serialized, .timeLimit(.minutes(2)))
struct ManifestApplyTests {
  static let server: TestAPIServer? = try? TestAPIServer()

  static func reads() throws -> (KubeReads, KubeClient) {
    let server = try #require(server, "the API stand-in did not start")
    let client = KubeClient(credentials: try KubeCredentials.parse(server.kubeconfig, source: "t"))
    return (
      KubeReads(access: FixedClient(client: client), kubeconfig: { "" }, firstServer: "t"), client
    )
  }

  static func manifest(_ maps: [(String, String)]) throws -> Manifest {
    try Manifest(
      name: "test-maps",
      yaml: maps.map { name, value in
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: \(name), namespace: default}\ndata: {replicas: \"\(value)\"}\n"
      }.joined(separator: "---\n"))
  }

  /// Plans `manifest` (with a fresh read of the cluster) and applies the plan; the plan.
  static func converge(_ manifest: Manifest, diff: Bool = true) async throws -> APIPlan {
    let (reads, _) = try reads()
    let plan = try await ManifestApply(manifest: manifest, reads: reads).plan(
      PlanContext(host: "cluster", diffMode: diff))
    if let apply = plan.apply { _ = try await apply() }
    return plan
  }

  @Test func createdThenKeptThenEditedFieldsRevertedThenDroppedObjectsDeleted() async throws {
    let (_, client) = try Self.reads()
    let created = try await Self.converge(try Self.manifest([("keep-a", "4"), ("keep-b", "1")]))
    #expect(created.plan.decision == .change)
    #expect(created.plan.summary.contains("create ConfigMap default/keep-a"))
    let again = try await Self.converge(try Self.manifest([("keep-a", "4"), ("keep-b", "1")]))
    #expect(again.plan.decision == .ok, "\(again.plan.summary)")

    _ = try await client.send(
      "PATCH", ResourceType.configMap.path(namespace: "default", name: "keep-a"),
      query: [("fieldManager", "kubectl-edit")],
      body: JSONValue.object(["data": .object(["replicas": .string("2")])]).data,
      contentType: "application/merge-patch+json")
    let reverted = try await Self.converge(try Self.manifest([("keep-a", "4"), ("keep-b", "1")]))
    #expect(reverted.plan.decision == .change)
    #expect(reverted.plan.summary == "test-maps: ConfigMap default/keep-a: data.replicas")
    #expect(reverted.plan.diff?.contains("+++ ConfigMap default/keep-a (desired)") == true)
    #expect(reverted.plan.diff?.contains("-   2\n+   4") == true, "\(reverted.plan.diff ?? "")")
    let live = try await client.get(.configMap, "keep-a", namespace: "default")
    #expect(live?["data"]?["replicas"] == .string("4"))

    let pruned = try await Self.converge(try Self.manifest([("keep-a", "4")]))
    #expect(
      pruned.plan.summary.contains("delete ConfigMap default/keep-b (no longer in the manifest)"))
    #expect(try await client.get(.configMap, "keep-b", namespace: "default") == nil)
    #expect(try await Self.converge(try Self.manifest([("keep-a", "4")])).plan.decision == .ok)
  }

  @Test func anObjectThatIsNotClusterMgrsKeepsItsOwnersFields() async throws {
    let (_, client) = try Self.reads()
    _ = try await client.send(
      "POST", ResourceType.configMap.path(namespace: "default"),
      query: [("fieldManager", "someone")],
      body: JSONValue.object([
        "apiVersion": .string("v1"), "kind": .string("ConfigMap"),
        "metadata": .object(["name": .string("theirs"), "namespace": .string("default")]),
        "data": .object(["replicas": .string("9")]),
      ]).data, contentType: "application/json")
    let manifest = try Manifest(
      name: "test-theirs",
      yaml:
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: theirs, namespace: default}\ndata: {replicas: \"1\"}\n"
    )
    let (reads, _) = try Self.reads()
    let plan = try await ManifestApply(manifest: manifest, reads: reads).plan(
      PlanContext(host: "cluster"))
    #expect(plan.plan.summary.contains("Apply failed with 1 conflict: conflict with \"someone\""))
    await #expect(throws: PlanError.self) { _ = try await plan.apply?() }
    #expect(
      try await client.get(.configMap, "theirs", namespace: "default")?["data"]?["replicas"]
        == .string("9"))
  }
}
