import Basics
import Engine
import Foundation
import Inventory
import Kubernetes

/// How the roles reach the cluster's Kubernetes API during a run: a client for the admin
/// kubeconfig read from the first server (ClusterOps decides the route: the server's address,
/// or an SSH tunnel).
public protocol ClusterAPIAccess: Sendable {
  /// The client for the cluster whose admin kubeconfig (the first server's k3s.yaml) is
  /// `kubeconfig`; the same one for every call with the same kubeconfig.
  func client(kubeconfig: String) async throws -> KubeClient
}

/// The API as one role's tasks see it: the client, made when a task first needs it from the first
/// server's kubeconfig fact, and the lists read so far (one list per kind, shared by the role's
/// tasks).
actor KubeReads {
  private let access: (any ClusterAPIAccess)?
  private let kubeconfig: @Sendable () -> String?
  private let firstServer: String
  private var made: KubeClient?
  private var lists: [String: KubeList] = [:]
  private var objects: [String: JSONValue?] = [:]

  init(
    access: (any ClusterAPIAccess)?, kubeconfig: @escaping @Sendable () -> String?,
    firstServer: String
  ) {
    self.access = access
    self.kubeconfig = kubeconfig
    self.firstServer = firstServer
  }

  /// A role's reads, with the kubeconfig the first server publishes in this run (looked up when
  /// a task first needs it: it may come from this very play's changes).
  init(_ inputs: ProvisionInputs, context: RoleContext) {
    let first = inputs.firstServer?.name ?? "the first server"
    let snapshot = context.facts
    let live = context.liveFacts
    self.init(
      access: inputs.api,
      kubeconfig: {
        (live?.snapshot ?? snapshot).value(ClusterRoles.kubeconfigFact, on: first)
      }, firstServer: first)
  }

  /// The client; ``APIUnavailable`` when the first server's kubeconfig is not known.
  func client() async throws -> KubeClient {
    if let made { return made }
    guard let access else { throw APIUnavailable(reason: "no API access was set up") }
    guard let kubeconfig = kubeconfig() else {
      throw APIUnavailable(
        reason: "the admin kubeconfig of \(firstServer) is not known (K3s does not run there yet)")
    }
    let client = try await access.client(kubeconfig: kubeconfig)
    made = client
    return client
  }

  /// The objects of `type` (cached: one request per type, namespace and selector).
  func list(_ type: ResourceType, namespace: String? = nil, labelSelector: String? = nil)
    async throws -> KubeList
  {
    let key = "\(type.apiVersion)/\(type.plural)/\(namespace ?? "*")/\(labelSelector ?? "")"
    if let cached = lists[key] { return cached }
    let list = try await client().list(type, namespace: namespace, labelSelector: labelSelector)
    lists[key] = list
    return list
  }

  /// One object, or nil when it does not exist (cached).
  func object(_ type: ResourceType, _ name: String, namespace: String? = nil) async throws
    -> JSONValue?
  {
    let key = "\(type.apiVersion)/\(type.plural)/\(namespace ?? "")/\(name)"
    if let cached = objects[key] { return cached }
    let object = try await client().get(type, name, namespace: namespace)
    objects[key] = object
    return object
  }

  /// Forgets what was read about `type` (it was just changed).
  func forget(_ type: ResourceType) {
    let prefix = "\(type.apiVersion)/\(type.plural)/"
    lists = lists.filter { !$0.key.hasPrefix(prefix) }
    objects = objects.filter { !$0.key.hasPrefix(prefix) }
  }

  /// Forgets everything read so far.
  func forgetAll() {
    lists = [:]
    objects = [:]
  }
}

/// The API cannot be used (yet): in `--check` on a new cluster, the tasks say what they would do.
struct APIUnavailable: OperatorError {
  let reason: String
  var message: String { "the cluster's API cannot be used: \(reason)" }
  var remedy: String? { "provision the first server first (cluster-mgr provision)" }
}

extension APIPlan {
  /// What a task says when the API cannot be read: in check mode what it would do once the
  /// cluster runs; otherwise the error.
  static func unavailable(_ error: any Error, would summary: String, context: PlanContext) throws
    -> APIPlan
  {
    guard context.checkMode, let error = error as? APIUnavailable else { throw error }
    return APIPlan(Plan(.change, "\(summary) (\(error.reason))", reportsOwnChange: true))
  }
}
