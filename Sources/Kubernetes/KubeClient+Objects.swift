import CurlHTTP
import Foundation

/// A list of objects and the resourceVersion to watch from.
public struct KubeList: Sendable {
  /// The objects.
  public var items: [JSONValue]
  /// The list's resourceVersion.
  public var resourceVersion: String
}

/// What an eviction request got.
public enum EvictionOutcome: Sendable, Equatable {
  /// The pod is being deleted gracefully.
  case evicted
  /// A PodDisruptionBudget does not allow it now (429): the API's message.
  case blocked(String)
  /// The pod is already gone.
  case gone
}

/// The patch formats the API takes besides server-side apply.
public enum PatchFormat: String, Sendable {
  /// RFC 7386 JSON merge patch.
  case merge = "application/merge-patch+json"
  /// Kubernetes' strategic merge patch.
  case strategic = "application/strategic-merge-patch+json"
}

extension KubeClient {
  /// The field manager of everything cluster-mgr writes.
  public static let fieldManager = "cluster-mgr"

  /// The object, or nil when it does not exist.
  public func get(_ type: ResourceType, _ name: String, namespace: String? = nil)
    async throws(KubeError) -> JSONValue?
  {
    let path = type.path(namespace: namespace, name: name)
    switch await sendResult("GET", path) {
    case .success(let response): return try json(response)
    case .failure(let error) where error.isNotFound: return nil
    case .failure(let error): throw error
    }
  }

  /// The objects of `type` (in `namespace`, or in every namespace), selected by labels and
  /// fields.
  public func list(
    _ type: ResourceType, namespace: String? = nil, labelSelector: String? = nil,
    fieldSelector: String? = nil
  ) async throws(KubeError) -> KubeList {
    var query: [(String, String)] = []
    if let labelSelector { query.append(("labelSelector", labelSelector)) }
    if let fieldSelector { query.append(("fieldSelector", fieldSelector)) }
    let path = type.path(namespace: namespace)
    let body = try await json(send("GET", path, query: query))
    return KubeList(
      items: body["items"]?.array ?? [],
      resourceVersion: body[path: ["metadata", "resourceVersion"]]?.string ?? "")
  }

  /// Server-side apply of `object` (`PATCH application/apply-patch+yaml`) as cluster-mgr's field
  /// manager; `force` takes over fields other managers own; `dryRun` changes nothing and
  /// returns what the object would become.
  public func apply(
    _ object: JSONValue, as type: ResourceType, force: Bool, dryRun: Bool = false
  ) async throws(KubeError) -> JSONValue {
    guard let name = object[path: ["metadata", "name"]]?.string else {
      throw KubeError(
        .unreadable("the object has no metadata.name"), request: "apply", server: credentials.server
      )
    }
    var query = [("fieldManager", Self.fieldManager), ("fieldValidation", "Strict")]
    if force { query.append(("force", "true")) }
    if dryRun { query.append(("dryRun", "All")) }
    let namespace = object[path: ["metadata", "namespace"]]?.string
    return try await json(
      send(
        "PATCH", type.path(namespace: namespace, name: name), query: query, body: object.data,
        contentType: "application/apply-patch+yaml"))
  }

  /// A merge or strategic merge patch of one object.
  public func patch(
    _ type: ResourceType, _ name: String, namespace: String? = nil, _ patch: JSONValue,
    format: PatchFormat = .merge
  ) async throws(KubeError) -> JSONValue {
    try await json(
      send(
        "PATCH", type.path(namespace: namespace, name: name),
        query: [("fieldManager", Self.fieldManager)], body: patch.data,
        contentType: format.rawValue))
  }

  /// Deletes one object; false when it did not exist.
  @discardableResult
  public func delete(_ type: ResourceType, _ name: String, namespace: String? = nil)
    async throws(KubeError) -> Bool
  {
    switch await sendResult("DELETE", type.path(namespace: namespace, name: name)) {
    case .success: return true
    case .failure(let error) where error.isNotFound: return false
    case .failure(let error): throw error
    }
  }

  /// Asks the API to evict a pod (policy/v1 Eviction): PodDisruptionBudgets are respected.
  public func evict(pod name: String, namespace: String) async throws(KubeError) -> EvictionOutcome
  {
    let eviction: JSONValue = .object([
      "apiVersion": .string("policy/v1"), "kind": .string("Eviction"),
      "metadata": .object(["name": .string(name), "namespace": .string(namespace)]),
    ])
    let path = ResourceType.pod.path(namespace: namespace, name: name, subresource: "eviction")
    switch await sendResult(
      "POST", path, body: eviction.data, contentType: "application/json", retry: .onlyUnsent)
    {
    case .success: return .evicted
    case .failure(let error) where error.status?.code == 429:
      let causes = error.status?.causes ?? []
      let message = error.status?.message ?? "the disruption budget does not allow it"
      return .blocked(([message] + causes).joined(separator: " "))
    case .failure(let error) where error.isNotFound: return .gone
    case .failure(let error): throw error
    }
  }

  /// The body of `GET path` (`/readyz`, `/version`).
  public func raw(_ path: String, timeout: Duration = .seconds(10)) async throws(KubeError) -> Data
  {
    try await send("GET", path, timeout: timeout).body
  }

  /// Where objects of `apiVersion`/`kind` live: built-in kinds from a table, others (custom
  /// resources) from the API's discovery, asked once per group version.
  public func resourceType(apiVersion: String, kind: String) async throws(KubeError)
    -> ResourceType?
  {
    if let known = ResourceType.builtIn["\(apiVersion)/\(kind)"] { return known }
    if let cached = await kinds.lookup(apiVersion: apiVersion, kind: kind) { return cached }
    let (group, version) = ResourceType.split(apiVersion)
    let path = group.isEmpty ? "/api/\(version)" : "/apis/\(group)/\(version)"
    let list: JSONValue
    switch await sendResult("GET", path) {
    case .success(let response): list = try json(response)
    case .failure(let error) where error.isNotFound: return nil
    case .failure(let error): throw error
    }
    let types = (list["resources"]?.array ?? []).compactMap { entry -> ResourceType? in
      guard let name = entry["name"]?.string, !name.contains("/"),
        let kind = entry["kind"]?.string
      else { return nil }
      return ResourceType(
        group: group, version: version, kind: kind, plural: name,
        namespaced: entry["namespaced"]?.bool ?? true)
    }
    await kinds.store(apiVersion: apiVersion, types: types)
    return types.first { $0.kind == kind }
  }

  /// Forgets what discovery said about `apiVersion` (a CRD was just established).
  public func forgetDiscovery(apiVersion: String) async {
    await kinds.forget(apiVersion: apiVersion)
  }

  /// ``send(_:_:query:body:contentType:timeout:retry:)``'s outcome as a value.
  func sendResult(
    _ method: String, _ path: String, body: Data? = nil, contentType: String? = nil,
    retry: Retry = .idempotent
  ) async -> Result<HTTPResponse, KubeError> {
    do {
      return .success(
        try await send(method, path, body: body, contentType: contentType, retry: retry))
    } catch {
      return .failure(error)
    }
  }

  /// The response body as JSON.
  func json(_ response: HTTPResponse) throws(KubeError) -> JSONValue {
    do { return try JSONValue.parse(response.body) } catch {
      throw KubeError(
        .unreadable("not JSON: \(error)"), request: "response", server: credentials.server)
    }
  }
}

/// What discovery said, per group version.
actor DiscoveryCache {
  private var byVersion: [String: [ResourceType]] = [:]

  func lookup(apiVersion: String, kind: String) -> ResourceType? {
    byVersion[apiVersion]?.first { $0.kind == kind }
  }

  func store(apiVersion: String, types: [ResourceType]) {
    if !types.isEmpty { byVersion[apiVersion] = types }
  }

  func forget(apiVersion: String) { byVersion[apiVersion] = nil }
}
