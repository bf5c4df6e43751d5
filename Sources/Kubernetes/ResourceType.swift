import Foundation

/// A kind of object the API serves: where its objects live (group, version, plural) and whether
/// they belong to a namespace.
public struct ResourceType: Sendable, Hashable, CustomStringConvertible {
  /// The API group (`""` for the core group).
  public var group: String
  /// The version (`v1`).
  public var version: String
  /// The kind (`ConfigMap`).
  public var kind: String
  /// The resource name in URLs (`configmaps`).
  public var plural: String
  /// Whether objects live in a namespace.
  public var namespaced: Bool

  /// Creates a resource type.
  public init(group: String, version: String, kind: String, plural: String, namespaced: Bool) {
    self.group = group
    self.version = version
    self.kind = kind
    self.plural = plural
    self.namespaced = namespaced
  }

  /// `apps/v1`, `v1`.
  public var apiVersion: String { group.isEmpty ? version : "\(group)/\(version)" }

  /// `deployment.apps`, `configmap`: how kubectl names the kind.
  public var description: String { kind.lowercased() + (group.isEmpty ? "" : ".\(group)") }

  /// The collection's path: `/api/v1/namespaces/NS/configmaps`, `/apis/apps/v1/daemonsets`.
  public func path(namespace: String? = nil, name: String? = nil, subresource: String? = nil)
    -> String
  {
    var path = group.isEmpty ? "/api/\(version)" : "/apis/\(group)/\(version)"
    if namespaced, let namespace { path += "/namespaces/\(Self.escape(namespace))" }
    path += "/\(plural)"
    if let name { path += "/\(Self.escape(name))" }
    if let subresource { path += "/\(subresource)" }
    return path
  }

  /// Splits `apps/v1` into group and version.
  static func split(_ apiVersion: String) -> (group: String, version: String) {
    guard let slash = apiVersion.lastIndex(of: "/") else { return ("", apiVersion) }
    return (String(apiVersion[..<slash]), String(apiVersion[apiVersion.index(after: slash)...]))
  }

  /// A path segment with anything but name characters percent-encoded.
  static func escape(_ segment: String) -> String {
    segment.addingPercentEncoding(withAllowedCharacters: .kubeName) ?? segment
  }

  // MARK: - Kinds cluster-mgr uses

  /// Nodes.
  public static let node = ResourceType(
    group: "", version: "v1", kind: "Node", plural: "nodes", namespaced: false)
  /// Pods.
  public static let pod = ResourceType(
    group: "", version: "v1", kind: "Pod", plural: "pods", namespaced: true)
  /// Events.
  public static let event = ResourceType(
    group: "", version: "v1", kind: "Event", plural: "events", namespaced: true)
  /// ConfigMaps.
  public static let configMap = ResourceType(
    group: "", version: "v1", kind: "ConfigMap", plural: "configmaps", namespaced: true)
  /// Secrets.
  public static let secret = ResourceType(
    group: "", version: "v1", kind: "Secret", plural: "secrets", namespaced: true)
  /// Namespaces.
  public static let namespace = ResourceType(
    group: "", version: "v1", kind: "Namespace", plural: "namespaces", namespaced: false)
  /// Deployments.
  public static let deployment = ResourceType(
    group: "apps", version: "v1", kind: "Deployment", plural: "deployments", namespaced: true)
  /// DaemonSets.
  public static let daemonSet = ResourceType(
    group: "apps", version: "v1", kind: "DaemonSet", plural: "daemonsets", namespaced: true)
  /// StatefulSets.
  public static let statefulSet = ResourceType(
    group: "apps", version: "v1", kind: "StatefulSet", plural: "statefulsets", namespaced: true)
  /// ReplicaSets.
  public static let replicaSet = ResourceType(
    group: "apps", version: "v1", kind: "ReplicaSet", plural: "replicasets", namespaced: true)
  /// PodDisruptionBudgets.
  public static let podDisruptionBudget = ResourceType(
    group: "policy", version: "v1", kind: "PodDisruptionBudget", plural: "poddisruptionbudgets",
    namespaced: true)
  /// CustomResourceDefinitions.
  public static let customResourceDefinition = ResourceType(
    group: "apiextensions.k8s.io", version: "v1", kind: "CustomResourceDefinition",
    plural: "customresourcedefinitions", namespaced: false)

  /// Built-in kinds by `apiVersion/kind`, so no discovery request is needed for them.
  static let builtIn: [String: ResourceType] = {
    let core: [(String, String, Bool)] = [
      ("Node", "nodes", false), ("Namespace", "namespaces", false), ("Pod", "pods", true),
      ("Event", "events", true), ("ConfigMap", "configmaps", true), ("Secret", "secrets", true),
      ("Service", "services", true), ("ServiceAccount", "serviceaccounts", true),
      ("ResourceQuota", "resourcequotas", true), ("LimitRange", "limitranges", true),
      ("PersistentVolumeClaim", "persistentvolumeclaims", true),
      ("PersistentVolume", "persistentvolumes", false), ("Endpoints", "endpoints", true),
    ]
    let grouped: [(String, String, String, Bool)] = [
      ("apps/v1", "Deployment", "deployments", true), ("apps/v1", "DaemonSet", "daemonsets", true),
      ("apps/v1", "StatefulSet", "statefulsets", true),
      ("apps/v1", "ReplicaSet", "replicasets", true), ("batch/v1", "Job", "jobs", true),
      ("batch/v1", "CronJob", "cronjobs", true),
      ("policy/v1", "PodDisruptionBudget", "poddisruptionbudgets", true),
      ("node.k8s.io/v1", "RuntimeClass", "runtimeclasses", false),
      ("rbac.authorization.k8s.io/v1", "ClusterRole", "clusterroles", false),
      ("rbac.authorization.k8s.io/v1", "ClusterRoleBinding", "clusterrolebindings", false),
      ("rbac.authorization.k8s.io/v1", "Role", "roles", true),
      ("rbac.authorization.k8s.io/v1", "RoleBinding", "rolebindings", true),
      ("networking.k8s.io/v1", "NetworkPolicy", "networkpolicies", true),
      ("networking.k8s.io/v1", "Ingress", "ingresses", true),
      ("apiextensions.k8s.io/v1", "CustomResourceDefinition", "customresourcedefinitions", false),
      ("scheduling.k8s.io/v1", "PriorityClass", "priorityclasses", false),
      ("storage.k8s.io/v1", "StorageClass", "storageclasses", false),
      ("coordination.k8s.io/v1", "Lease", "leases", true),
    ]
    var table: [String: ResourceType] = [:]
    for (kind, plural, namespaced) in core {
      table["v1/\(kind)"] = ResourceType(
        group: "", version: "v1", kind: kind, plural: plural, namespaced: namespaced)
    }
    for (apiVersion, kind, plural, namespaced) in grouped {
      let (group, version) = split(apiVersion)
      table["\(apiVersion)/\(kind)"] = ResourceType(
        group: group, version: version, kind: kind, plural: plural, namespaced: namespaced)
    }
    return table
  }()
}

extension CharacterSet {
  /// Characters of Kubernetes names (DNS subdomains, label values).
  static let kubeName = CharacterSet(
    charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._")
}
