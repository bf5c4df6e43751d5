import Engine
import Foundation
import Kubernetes
import Testing

@testable import Roles

/// What the cluster-side roles decide from API objects, without a cluster: the merge patch for a
/// node's labels and taints, manifests' labels and Secrets, field diffs as text.
struct ClusterObjectsTests {
  static func node(labels: [String: String], annotations: [String: String], taints: [JSONValue])
    -> JSONValue
  {
    .object([
      "metadata": .object([
        "name": .string("n1"), "resourceVersion": .string("42"),
        "labels": .object(labels.mapValues { .string($0) }),
        "annotations": .object(annotations.mapValues { .string($0) }),
      ]),
      "spec": .object(["taints": .array(taints)]),
    ])
  }

  static func taint(_ key: String, _ value: String, _ effect: String) -> JSONValue {
    NodeLabelsAndTaints.Taint(key: key, value: value, effect: effect).json
  }

  @Test func aNodeAsDeclaredNeedsNoPatch() {
    let node = Self.node(
      labels: ["tier": "web"],
      annotations: [
        NodeLabelsAndTaints.labelsAnnotation: "tier",
        NodeLabelsAndTaints.taintsAnnotation: "gpu:NoSchedule",
      ],
      taints: [Self.taint("other", "", "NoExecute"), Self.taint("gpu", "true", "NoSchedule")])
    let taint = NodeLabelsAndTaints.Taint(key: "gpu", value: "true", effect: "NoSchedule")
    #expect(
      NodeLabelsAndTaints.change(node, labels: [(key: "tier", value: "web")], taints: [taint])
        == nil)
  }

  @Test func thePatchSetsRemovesAndKeepsOthersTaintsInOrder() throws {
    let node = Self.node(
      labels: ["tier": "web", "old": "x", "theirs": "y"],
      annotations: [
        NodeLabelsAndTaints.labelsAnnotation: "old,tier",
        NodeLabelsAndTaints.taintsAnnotation: "gone:NoSchedule",
      ],
      taints: [Self.taint("theirs", "", "NoExecute"), Self.taint("gone", "", "NoSchedule")])
    let change = try #require(
      NodeLabelsAndTaints.change(
        node, labels: [(key: "tier", value: "db")],
        taints: [NodeLabelsAndTaints.Taint(key: "gpu", value: "", effect: "NoSchedule")]))
    #expect(
      change.summary == [
        "label tier: web → db", "-label old", "-taint gone:NoSchedule", "+taint gpu:NoSchedule",
      ])
    let patch = change.patch
    #expect(patch[path: ["metadata", "labels", "tier"]] == .string("db"))
    #expect(patch[path: ["metadata", "labels", "old"]] == .null)
    #expect(patch[path: ["metadata", "labels", "theirs"]] == nil, "others' labels untouched")
    #expect(patch[path: ["metadata", "resourceVersion"]] == .string("42"))
    #expect(
      patch[path: ["spec", "taints"]]
        == .array([Self.taint("theirs", "", "NoExecute"), Self.taint("gpu", "", "NoSchedule")]))
  }

  @Test func manifestsAreLabelledAndSecretsCarryDataAsTheAPIKeepsIt() throws {
    let manifest = try Manifest(
      name: "flux-deploy-key",
      yaml: """
        apiVersion: v1
        kind: Secret
        metadata: {name: s, namespace: flux-system}
        stringData: {identity: "PRIVATE"}
        """, secret: true)
    let secret = try #require(manifest.objects.first)
    #expect(secret[path: ["metadata", "labels", Manifest.label]] == .string("flux-deploy-key"))
    #expect(secret["stringData"] == nil)
    #expect(
      secret[path: ["data", "identity"]] == .string(Data("PRIVATE".utf8).base64EncodedString()))
    #expect(throws: PlanError.self) { _ = try Manifest(name: "bad", yaml: "kind: ConfigMap\n") }
  }

  @Test func aSecretsValuesNeverReachTheDiffText() throws {
    let manifest = try Manifest(
      name: "k",
      yaml:
        "apiVersion: v1\nkind: Secret\nmetadata: {name: s, namespace: n}\nstringData: {identity: NEW}\n",
      secret: true)
    let live = manifest.objects[0].setting(path: ["data", "identity"], to: .string("T0xE"))
    let changes = FieldDiff.changes(from: live, to: manifest.objects[0])
    #expect(changes.map(\.path) == ["data.identity"])
    #expect(changes.allSatisfy { $0.secret })
    let text = FieldDiffText.render(changes[0], secret: true)
    #expect(text == "  data.identity: changed (secret, not shown)\n")
    #expect(!text.contains("T0xE") && !text.contains(Data("NEW".utf8).base64EncodedString()))
  }

  @Test func aFileInAConfigMapIsDiffedLineByLine() {
    let change = FieldDiff.Change(
      path: "data.config.yaml", old: .string("version: v1\nreplicas: 2\n"),
      new: .string("version: v1\nreplicas: 4\n"))
    let text = FieldDiffText.render(change, secret: false)
    #expect(text.contains("  data.config.yaml:\n"))
    #expect(text.contains("-replicas: 2") && text.contains("+replicas: 4"))
  }
}
