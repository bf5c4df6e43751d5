import Basics
import Engine
import Foundation
import Kubernetes

/// One object of a manifest compared with the cluster: what it is now and what applying the
/// manifest would change, field by field.
///
/// Cheap when nothing differs: the live object comes from one list per kind (by the manifest's
/// label), and when it already has every field of the desired object (and no field cluster-mgr
/// applied before and no longer sets) nothing more is asked. Only
/// otherwise does a server-side dry-run apply say what the object would become; the fields where
/// that differs from the live object are the change (a difference the server would normalise away
/// is no change).
public struct ObjectState: Sendable {
  /// What the comparison found.
  public enum Verdict: Sendable, Equatable {
    /// As desired.
    case current
    /// The object does not exist.
    case missing
    /// The kind is not served yet (its CRD comes with an earlier task).
    case unserved
    /// These fields differ.
    case differs([FieldDiff.Change])
    /// Another manager owns fields with other values, and the object is not cluster-mgr's to
    /// take over: the API's message.
    case conflict(String)
  }

  /// The desired object.
  public let desired: JSONValue
  /// Where objects of its kind live (nil: not served yet).
  let type: ResourceType?
  /// The live object.
  let live: JSONValue?
  /// cluster-mgr may take fields over from other managers (`force`): the object carries the
  /// manifest's label, or does not exist yet.
  let owned: Bool
  /// What differs.
  public let verdict: Verdict

  /// `Kind namespace/name`.
  public var name: String { Manifest.describe(desired) }

  /// Every object of `manifest` compared with the cluster.
  static func compare(_ manifest: Manifest, reads: KubeReads) async throws -> [ObjectState] {
    let client = try await reads.client()
    var states: [ObjectState] = []
    for object in manifest.objects {
      states.append(try await compare(object, manifest: manifest, client: client, reads: reads))
    }
    return states
  }

  private static func compare(
    _ desired: JSONValue, manifest: Manifest, client: KubeClient, reads: KubeReads
  ) async throws -> ObjectState {
    guard
      let type = try await client.resourceType(
        apiVersion: desired["apiVersion"]?.string ?? "", kind: desired["kind"]?.string ?? "")
    else {
      return ObjectState(desired: desired, type: nil, live: nil, owned: true, verdict: .unserved)
    }
    let name = desired[path: ["metadata", "name"]]?.string ?? ""
    let namespace = type.namespaced ? desired[path: ["metadata", "namespace"]]?.string : nil
    let labelled = try await reads.list(
      type, labelSelector: "\(Manifest.label)=\(manifest.name)"
    ).items.first {
      $0[path: ["metadata", "name"]]?.string == name
        && $0[path: ["metadata", "namespace"]]?.string == namespace
    }
    let found: JSONValue?
    if let labelled {
      found = labelled
    } else {
      found = try await client.get(type, name, namespace: namespace)
    }
    guard let live = found else {
      return ObjectState(desired: desired, type: type, live: nil, owned: true, verdict: .missing)
    }
    let owned = labelled != nil
    let legacyAnnotation = manifest.secret && live[path: Self.lastApplied] != nil
    // A field cluster-mgr applied before and the manifest no longer has (a Kustomization's
    // `decryption` once `sops_age_key_file` is unset) goes with the next apply: not current.
    let dropped = FieldDiff.appliedFieldsDropped(
      desired, in: live, manager: KubeClient.fieldManager)
    if FieldDiff.contains(desired, in: live) && !legacyAnnotation && !dropped {
      return ObjectState(desired: desired, type: type, live: live, owned: owned, verdict: .current)
    }
    let after: JSONValue
    switch await KubeError.result({ () async throws(KubeError) -> JSONValue in
      try await client.apply(desired, as: type, force: owned, dryRun: true)
    }) {
    case .success(let result): after = result
    case .failure(let error) where error.status?.code == 409:
      return ObjectState(
        desired: desired, type: type, live: live, owned: owned,
        verdict: .conflict(error.status?.message ?? error.message))
    case .failure(let error): throw error
    }
    var changes = FieldDiff.changes(from: live, to: after)
    if legacyAnnotation {
      changes.append(
        FieldDiff.Change(
          path: Self.lastApplied.joined(separator: "."), old: .string(""), new: nil, secret: true))
    }
    return ObjectState(
      desired: desired, type: type, live: live, owned: owned,
      verdict: changes.isEmpty ? .current : .differs(changes))
  }

  /// Where a client-side `kubectl apply` of earlier versions left a copy of the whole object.
  static let lastApplied = [
    "metadata", "annotations", "kubectl.kubernetes.io/last-applied-configuration",
  ]

  /// Makes the object as desired: server-side apply (forced where it is cluster-mgr's), and for a
  /// secret manifest the old `last-applied-configuration` annotation removed.
  func apply(with client: KubeClient, secret: Bool) async throws {
    var type = self.type
    if type == nil {
      // Its CRD was established by an earlier task of this run.
      let apiVersion = desired["apiVersion"]?.string ?? ""
      await client.forgetDiscovery(apiVersion: apiVersion)
      type = try await client.resourceType(
        apiVersion: apiVersion, kind: desired["kind"]?.string ?? "")
    }
    guard let type else {
      throw PlanError(
        "\(name): the API does not serve \(desired["apiVersion"]?.string ?? "")/\(desired["kind"]?.string ?? "")"
      )
    }
    let applied = try await client.apply(desired, as: type, force: owned)
    if secret, applied[path: Self.lastApplied] != nil {
      let name = desired[path: ["metadata", "name"]]?.string ?? ""
      let namespace = desired[path: ["metadata", "namespace"]]?.string
      let patch = JSONValue.object([
        "metadata": .object(["annotations": .object([Self.lastApplied[2]: .null])])
      ])
      _ = try await client.patch(type, name, namespace: namespace, patch)
    }
  }

  /// One line per object for the summary: `ConfigMap kube-system/x: data.config.yaml`.
  var summary: String {
    switch verdict {
    case .current: return "\(name) as desired"
    case .missing: return "create \(name)"
    case .unserved: return "create \(name) (its kind is not served yet)"
    case .differs(let changes):
      let fields = changes.prefix(3).map(\.path).joined(separator: ", ")
      return "\(name): \(fields)\(changes.count > 3 ? ", … (\(changes.count) fields)" : "")"
    case .conflict(let message): return "\(name): \(message)"
    }
  }
}
