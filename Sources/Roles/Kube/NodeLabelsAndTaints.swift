import Basics
import Engine
import Foundation
import Kubernetes

/// A node's labels and taints reconciled through the API: declared ones added or changed, ones
/// cluster-mgr set earlier but no longer declared removed. Ownership is remembered in the
/// node's annotations, so labels and taints set by others are never touched. One merge patch
/// per node that needs it (with the node's resourceVersion: a node changed meanwhile is read
/// again).
struct NodeLabelsAndTaints: APIResource {
  /// The Kubernetes node name.
  let node: String
  /// Declared labels.
  let labels: [(key: String, value: String)]
  /// Declared taints as `key=value:Effect` (value optional).
  let taints: [String]
  let reads: KubeReads

  static let labelsAnnotation = "cluster-mgr.io/managed-labels"
  static let taintsAnnotation = "cluster-mgr.io/managed-taints"

  struct Taint: Hashable {
    var key: String
    var value: String
    var effect: String
    /// `key:Effect`, how ownership is recorded.
    var identity: String { "\(key):\(effect)" }
    var spec: String { value.isEmpty ? "\(key):\(effect)" : "\(key)=\(value):\(effect)" }

    init(key: String, value: String, effect: String) {
      self.key = key
      self.value = value
      self.effect = effect
    }

    init?(spec: String) {
      guard let colon = spec.lastIndex(of: ":") else { return nil }
      effect = String(spec[spec.index(after: colon)...])
      let kv = spec[..<colon]
      if let eq = kv.firstIndex(of: "=") {
        key = String(kv[..<eq])
        value = String(kv[kv.index(after: eq)...])
      } else {
        key = String(kv)
        value = ""
      }
    }

    init(_ json: JSONValue) {
      self.init(
        key: json["key"]?.string ?? "", value: json["value"]?.string ?? "",
        effect: json["effect"]?.string ?? "")
    }

    var json: JSONValue {
      var fields: [String: JSONValue] = ["key": .string(key), "effect": .string(effect)]
      if !value.isEmpty { fields["value"] = .string(value) }
      return .object(fields)
    }
  }

  /// What must change on the node: the merge patch and its description.
  struct Change {
    var patch: JSONValue
    var summary: [String]
  }

  func plan(_ context: PlanContext) async throws -> APIPlan {
    let desiredTaints = try taints.map { spec -> Taint in
      guard let taint = Taint(spec: spec) else {
        throw PlanError("invalid taint \(spec) for \(node)")
      }
      return taint
    }
    let object: JSONValue?
    do {
      object = try await reads.list(.node).items.first {
        $0[path: ["metadata", "name"]]?.string == node
      }
    } catch {
      return try APIPlan.unavailable(
        error, would: "set \(node)'s labels and taints", context: context)
    }
    guard let object else {
      let what = labels.map { "\($0.key)=\($0.value)" } + desiredTaints.map(\.spec)
      if context.checkMode {
        return APIPlan(
          Plan(
            .change,
            "node \(node) not registered yet: set \(what.isEmpty ? "nothing" : what.joined(separator: ", ")) once it is"
          ))
      }
      throw PlanError("node \(node) is not registered in the cluster")
    }
    guard let change = Self.change(object, labels: labels, taints: desiredTaints) else {
      return .ok("\(node): labels and taints as declared")
    }
    let summary =
      change.summary.isEmpty
      ? "\(node): record ownership of its labels and taints"
      : "\(node): \(change.summary.joined(separator: ", "))"
    let name = self.node
    let source = self.reads
    let declared = self.labels
    return APIPlan(Plan(.change, summary)) {
      try await Self.patch(
        name, change: change, labels: declared, taints: desiredTaints, reads: source)
    }
  }

  /// Sends the patch; a node changed since it was read (409) is read again and patched anew.
  private static func patch(
    _ node: String, change: Change, labels: [(key: String, value: String)], taints: [Taint],
    reads: KubeReads
  ) async throws -> APIOutcome {
    let client = try await reads.client()
    var change = change
    for attempt in 0..<3 {
      let patch = change.patch
      switch await KubeError.result({ () async throws(KubeError) -> JSONValue in
        try await client.patch(.node, node, patch)
      }) {
      case .success:
        await reads.forget(.node)
        return APIOutcome(changed: true, output: change.summary.joined(separator: "\n"))
      case .failure(let error) where error.status?.code == 409 && attempt < 2:
        guard let fresh = try await client.get(.node, node),
          let again = Self.change(fresh, labels: labels, taints: taints)
        else { return APIOutcome(changed: false) }
        change = again
      case .failure(let error):
        throw error
      }
    }
    return APIOutcome(changed: false)
  }

  /// The merge patch that makes `object` carry the declared labels and taints (nil: nothing to
  /// do): labels set or removed (null), the full taint list (taints set by others kept), the
  /// ownership annotations, and the resourceVersion it was computed from.
  static func change(
    _ object: JSONValue, labels: [(key: String, value: String)], taints desired: [Taint]
  ) -> Change? {
    let currentLabels = object[path: ["metadata", "labels"]]?.stringMap ?? [:]
    let annotations = object[path: ["metadata", "annotations"]]?.stringMap ?? [:]
    let managedLabels = Set(list(annotations[labelsAnnotation]))
    let managedTaints = Set(list(annotations[taintsAnnotation]))
    let current = (object[path: ["spec", "taints"]]?.array ?? []).map(Taint.init)

    var labelPatch: [String: JSONValue] = [:]
    var summary: [String] = []
    for (key, value) in labels where currentLabels[key] != value {
      labelPatch[key] = .string(value)
      summary.append(
        currentLabels[key] == nil
          ? "+label \(key)=\(value)" : "label \(key): \(currentLabels[key]!) → \(value)")
    }
    let declaredKeys = Set(labels.map(\.key))
    for key in managedLabels.subtracting(declaredKeys).sorted() where currentLabels[key] != nil {
      labelPatch[key] = .null
      summary.append("-label \(key)")
    }
    let declared = Set(desired.map(\.identity))
    // The node's taints in their order: declared ones updated in place, ones cluster-mgr set and
    // no longer declares removed, others' kept, new declared ones appended.
    var kept: [Taint] = []
    for taint in current {
      if let wanted = desired.first(where: { $0.identity == taint.identity }) {
        if wanted != taint { summary.append("+taint \(wanted.spec)") }
        kept.append(wanted)
      } else if managedTaints.contains(taint.identity) {
        summary.append("-taint \(taint.identity)")
      } else {
        kept.append(taint)
      }
    }
    for taint in desired where !current.contains(where: { $0.identity == taint.identity }) {
      summary.append("+taint \(taint.spec)")
      kept.append(taint)
    }
    let newManagedLabels = declaredKeys.sorted().joined(separator: ",")
    let newManagedTaints = declared.sorted().joined(separator: ",")
    let ownershipChanged =
      annotations[labelsAnnotation] ?? "" != newManagedLabels
      || annotations[taintsAnnotation] ?? "" != newManagedTaints
    if summary.isEmpty && !ownershipChanged { return nil }
    var metadata: [String: JSONValue] = [
      "annotations": .object([
        labelsAnnotation: .string(newManagedLabels), taintsAnnotation: .string(newManagedTaints),
      ])
    ]
    if !labelPatch.isEmpty { metadata["labels"] = .object(labelPatch) }
    if let version = object[path: ["metadata", "resourceVersion"]] {
      metadata["resourceVersion"] = version
    }
    var patch: [String: JSONValue] = ["metadata": .object(metadata)]
    if kept != current { patch["spec"] = .object(["taints": .array(kept.map(\.json))]) }
    return Change(patch: .object(patch), summary: summary)
  }

  static func list(_ text: String?) -> [String] {
    (text ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter {
      !$0.isEmpty
    }
  }
}
