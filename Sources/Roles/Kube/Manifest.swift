import Basics
import Engine
import Foundation
import Kubernetes
import Yams

/// A set of Kubernetes objects cluster-mgr owns under one name (`gpu-device-plugin`,
/// `flux-install`…): parsed from YAML, each labelled `cluster-mgr.io/manifest=<name>` (how
/// cluster-mgr recognises its objects and prunes the ones a newer manifest drops, as Flux's
/// kustomize-controller does with its labels).
struct Manifest: Sendable {
  /// The label every object of a manifest carries, with the manifest's name.
  static let label = "cluster-mgr.io/manifest"

  /// The manifest's name.
  let name: String
  /// The objects, in the manifest's order, labelled.
  let objects: [JSONValue]
  /// The objects hold secrets: values never appear in diffs or the history.
  let secret: Bool

  /// Parses multi-document YAML; Secrets' `stringData` becomes `data` (what the API keeps, so
  /// the live object can be compared field by field).
  init(name: String, yaml: String, secret: Bool = false) throws {
    self.name = name
    self.secret = secret
    let documents: [Any]
    do {
      documents = try Yams.load_all(yaml: yaml).compactMap { $0 }
    } catch {
      throw PlanError("manifest \(name) is not valid YAML: \(error)")
    }
    objects = try documents.map { document in
      let object = JSONValue(any: document)
      guard object["kind"]?.string != nil, object["apiVersion"]?.string != nil,
        object[path: ["metadata", "name"]]?.string != nil
      else { throw PlanError("manifest \(name) has a document without apiVersion, kind or name") }
      return Self.labelled(Self.normalized(object), name)
    }
  }

  /// `Kind namespace/name`, how messages name an object.
  static func describe(_ object: JSONValue) -> String {
    let kind = object["kind"]?.string ?? "?"
    let name = object[path: ["metadata", "name"]]?.string ?? "?"
    let namespace = object[path: ["metadata", "namespace"]]?.string
    return "\(kind) \(namespace.map { "\($0)/" } ?? "")\(name)"
  }

  private static func labelled(_ object: JSONValue, _ name: String) -> JSONValue {
    var labels = object[path: ["metadata", "labels"]]?.object ?? [:]
    labels[label] = .string(name)
    return object.setting(path: ["metadata", "labels"], to: .object(labels))
  }

  /// A Secret's `stringData` as base64 `data`, as the API server stores it.
  private static func normalized(_ object: JSONValue) -> JSONValue {
    guard object["kind"]?.string == "Secret", let strings = object["stringData"]?.object else {
      return object
    }
    var data = object["data"]?.object ?? [:]
    for (key, value) in strings {
      data[key] = .string(Data((value.string ?? "").utf8).base64EncodedString())
    }
    return object.setting("stringData", to: nil).setting("data", to: .object(data))
  }
}

/// The label that marks an object as a cluster-mgr manifest's (value: the manifest's name).
public enum ManifestLabel {
  /// `cluster-mgr.io/manifest`.
  public static let name = Manifest.label
}
