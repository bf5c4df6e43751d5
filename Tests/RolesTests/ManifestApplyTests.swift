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

  /// A field cluster-mgr applied and a newer manifest no longer has (a Kustomization's
  /// `decryption` once `sops_age_key_file` is gone) is removed, though the live object has every
  /// field of the manifest; then nothing is left to do.
  @Test func aFieldTheManifestDroppedIsRemoved() async throws {
    func manifest(_ data: String) throws -> Manifest {
      try Manifest(
        name: "test-dropped",
        yaml:
          "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: dropped, namespace: default}\ndata: {\(data)}\n"
      )
    }
    let (_, client) = try Self.reads()
    #expect(try await Self.converge(try manifest("a: \"1\", b: \"2\"")).plan.decision == .change)
    let dropped = try await Self.converge(try manifest("a: \"1\""))
    #expect(dropped.plan.decision == .change, "\(dropped.plan.summary)")
    #expect(dropped.plan.summary == "test-dropped: ConfigMap default/dropped: data.b")
    let live = try await client.get(.configMap, "dropped", namespace: "default")
    #expect(live?["data"] == .object(["a": .string("1")]))
    #expect(try await Self.converge(try manifest("a: \"1\"")).plan.decision == .ok)

    // A field another manager also set stays theirs: nothing to do for cluster-mgr.
    _ = try await Self.converge(try manifest("a: \"1\", c: \"3\""))
    _ = try await client.send(
      "PATCH", ResourceType.configMap.path(namespace: "default", name: "dropped"),
      query: [("fieldManager", "someone")],
      body: JSONValue.object(["data": .object(["c": .string("4")])]).data,
      contentType: "application/merge-patch+json")
    _ = try await Self.converge(try manifest("a: \"1\""))
    #expect(
      try await client.get(.configMap, "dropped", namespace: "default")?["data"]
        == .object(["a": .string("1"), "c": .string("4")]))
    #expect(try await Self.converge(try manifest("a: \"1\"")).plan.decision == .ok)
  }

  /// The age key's Secret: created and changed through the dry run, its value never in the
  /// plan's summary or diff.
  @Test func theAgeKeySecretNeverReachesThePlan() async throws {
    func manifest(_ key: String) throws -> Manifest {
      try Manifest(
        name: "flux-sops-age",
        yaml: try FluxManifests.sopsAgeSecret(namespace: "default", ageKey: key), secret: true)
    }
    let first = "AGE-SECRET-KEY-1FIRSTFIRSTFIRSTFIRSTFIRSTFIRSTFIRSTFIRSTFIRSTFIRST"
    let second = "AGE-SECRET-KEY-1SECONDSECONDSECONDSECONDSECONDSECONDSECONDSECOND"
    let created = try await Self.converge(try manifest(first))
    #expect(created.plan.summary == "flux-sops-age: create Secret default/sops-age")
    #expect(try await Self.converge(try manifest(first)).plan.decision == .ok)
    let changed = try await Self.converge(try manifest(second))
    #expect(changed.plan.summary == "flux-sops-age: Secret default/sops-age: data.age.agekey")
    let text =
      changed.plan.summary + (changed.plan.diff ?? "") + created.plan.summary
      + (created.plan.diff ?? "")
    #expect(changed.plan.diff?.contains("data.age.agekey: changed (secret, not shown)") == true)
    for key in [first, second] {
      for form in [key, Data((key + "\n").utf8).base64EncodedString()] {
        #expect(!text.contains(form), "\(text)")
      }
    }
    let (_, client) = try Self.reads()
    let live = try await client.get(.secret, "sops-age", namespace: "default")
    #expect(
      live?[path: ["data", "age.agekey"]]
        == .string(Data((second + "\n").utf8).base64EncodedString()))
    #expect(live?[path: ["metadata", "annotations"]]?.object?.isEmpty ?? true)
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
