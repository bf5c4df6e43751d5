import Basics
import CurlHTTP
import Engine
import Foundation
import Kubernetes

/// Which objects each manifest had when cluster-mgr last applied it: the ConfigMap
/// `kube-system/cluster-mgr-inventory`, one key per manifest, one object per line
/// (`apiVersion|kind|namespace|name`), like the inventory Flux's kustomize-controller keeps in a
/// Kustomization's status. An object a newer manifest no longer has is deleted, if it still
/// carries the manifest's label (an object someone took over is left alone).
struct ManifestInventory: Sendable {
  static let name = "cluster-mgr-inventory"
  static let namespace = "kube-system"
  /// The ConfigMap that earlier versions kept manifest hashes in.
  static let legacyLedger = "cluster-mgr-applied"

  /// The ConfigMap, nil when there is none yet.
  let object: JSONValue?

  static func read(_ reads: KubeReads) async throws -> ManifestInventory {
    ManifestInventory(object: try await reads.object(.configMap, name, namespace: namespace))
  }

  /// The objects `manifest` had when recorded (nil: never recorded).
  func entries(_ manifest: String) -> [String]? {
    object?["data"]?[manifest]?.string.map {
      $0.split(separator: "\n").map(String.init)
    }
  }

  /// The entries of `manifest` now.
  static func entries(of manifest: Manifest) -> [String] {
    manifest.objects.map(entry)
  }

  static func entry(_ object: JSONValue) -> String {
    [
      object["apiVersion"]?.string ?? "", object["kind"]?.string ?? "",
      object[path: ["metadata", "namespace"]]?.string ?? "",
      object[path: ["metadata", "name"]]?.string ?? "",
    ].joined(separator: "|")
  }

  /// An object a manifest no longer has, to delete.
  struct Stale: Sendable {
    let type: ResourceType
    let name: String
    let namespace: String?
    var description: String { "\(type.kind) \(namespace.map { "\($0)/" } ?? "")\(name)" }
  }

  /// Objects recorded for `manifest` that it no longer has, still there and still labelled as
  /// the manifest's.
  func stale(_ manifest: Manifest, reads: KubeReads) async throws -> [Stale] {
    let now = Set(Self.entries(of: manifest))
    let client = try await reads.client()
    var found: [Stale] = []
    for entry in entries(manifest.name) ?? [] where !now.contains(entry) {
      let parts = entry.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
      guard parts.count == 4,
        let type = try await client.resourceType(apiVersion: parts[0], kind: parts[1])
      else { continue }
      let namespace = parts[2].isEmpty ? nil : parts[2]
      let live = try await reads.object(type, parts[3], namespace: namespace)
      guard live?[path: ["metadata", "labels", Manifest.label]]?.string == manifest.name else {
        continue
      }
      found.append(Stale(type: type, name: parts[3], namespace: namespace))
    }
    return found
  }

  /// Records `manifest`'s objects (creating the ConfigMap, and removing the old hash ledger, the
  /// first time).
  func record(_ manifest: Manifest, client: KubeClient) async throws {
    let text = Self.entries(of: manifest).joined(separator: "\n")
    if object == nil, try await create(with: manifest.name, text, client: client) { return }
    let patch: JSONValue = .object(["data": .object([manifest.name: .string(text)])])
    _ = try await client.patch(.configMap, Self.name, namespace: Self.namespace, patch)
  }

  /// Creates the ConfigMap with one key; false when another task of this run made it meanwhile.
  private func create(with key: String, _ text: String, client: KubeClient) async throws -> Bool {
    let configMap: JSONValue = .object([
      "apiVersion": .string("v1"), "kind": .string("ConfigMap"),
      "metadata": .object([
        "name": .string(Self.name), "namespace": .string(Self.namespace),
        "labels": .object(["app.kubernetes.io/managed-by": .string("cluster-mgr")]),
      ]),
      "data": .object([key: .string(text)]),
    ])
    let result: Result<HTTPResponse, KubeError>
    do {
      result = .success(
        try await client.send(
          "POST", ResourceType.configMap.path(namespace: Self.namespace),
          query: [("fieldManager", KubeClient.fieldManager)], body: configMap.data,
          contentType: "application/json", retry: .onlyUnsent))
    } catch {
      result = .failure(error)
    }
    switch result {
    case .success:
      try await client.delete(.configMap, Self.legacyLedger, namespace: Self.namespace)
      return true
    case .failure(let error) where error.status?.code == 409:
      return false
    case .failure(let error):
      throw error
    }
  }
}
