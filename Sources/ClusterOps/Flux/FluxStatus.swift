import Foundation
import Kubernetes
import TerminalUI

/// Flux's kinds cluster-mgr reads and annotates.
enum FluxKinds {
  /// `source.toolkit.fluxcd.io/v1` GitRepository.
  static let gitRepository = ResourceType(
    group: "source.toolkit.fluxcd.io", version: "v1", kind: "GitRepository",
    plural: "gitrepositories", namespaced: true)
  /// `kustomize.toolkit.fluxcd.io/v1` Kustomization.
  static let kustomization = ResourceType(
    group: "kustomize.toolkit.fluxcd.io", version: "v1", kind: "Kustomization",
    plural: "kustomizations", namespaced: true)
  /// What Flux's CLI sets to ask for a reconciliation now (fluxcd/pkg apis/meta
  /// `ReconcileRequestAnnotation`); the controllers echo it in `status.lastHandledReconcileAt`.
  static let reconcileRequestAnnotation = "reconcile.fluxcd.io/requestedAt"
}

/// One GitRepository or Kustomization as `status` shows it.
struct FluxObjectStatus: Sendable, Hashable {
  var kind: String
  var namespace: String
  var name: String
  /// The Ready condition: true, false, or nil (Unknown, or none yet).
  var ready: Bool?
  /// The Ready condition's reason and message.
  var reason: String?
  var message: String?
  /// The source's artifact revision, or the Kustomization's last applied revision.
  var revision: String?
  /// `status.lastHandledReconcileAt`.
  var lastHandledReconcileAt: String?
  /// `spec.suspend`.
  var suspended: Bool

  /// Reads a Flux object of `kind`.
  init(kind: String, _ object: JSONValue) {
    self.kind = kind
    namespace = object[path: ["metadata", "namespace"]]?.string ?? "default"
    name = object[path: ["metadata", "name"]]?.string ?? "?"
    let condition = (object[path: ["status", "conditions"]]?.array ?? []).first {
      $0["type"]?.string == "Ready"
    }
    switch condition?["status"]?.string {
    case "True": ready = true
    case "False": ready = false
    default: ready = nil
    }
    reason = condition?["reason"]?.string
    message = condition?["message"]?.string
    revision =
      kind == "GitRepository"
      ? object[path: ["status", "artifact", "revision"]]?.string
      : object[path: ["status", "lastAppliedRevision"]]?.string
    lastHandledReconcileAt = object[path: ["status", "lastHandledReconcileAt"]]?.string
    suspended = object[path: ["spec", "suspend"]]?.bool ?? false
  }

  /// `True`, `False`, `Unknown` (with `, suspended`).
  var readyText: String {
    (ready == true ? "True" : ready == false ? "False" : "Unknown")
      + (suspended ? ", suspended" : "")
  }

  /// The Ready message when the object is not Ready (its last error), else nil.
  var lastError: String? { ready == true ? nil : message.flatMap { $0.isEmpty ? nil : $0 } }
}

/// Flux's sources and Kustomizations, or why they are not shown.
struct FluxStatus: Sendable, Hashable {
  /// Flux's CRDs are in the cluster.
  var installed: Bool
  var gitRepositories: [FluxObjectStatus]
  var kustomizations: [FluxObjectStatus]
  /// Why they could not be read (the CRDs are there).
  var problem: String?

  /// Lists both kinds in every namespace; absent CRDs make `installed` false, not an error.
  static func read(_ client: KubeClient) async -> FluxStatus {
    async let sources = list(client, FluxKinds.gitRepository)
    async let kustomizations = list(client, FluxKinds.kustomization)
    let (gitRepositories, applied) = await (sources, kustomizations)
    var status = FluxStatus(
      installed: true, gitRepositories: [], kustomizations: [], problem: nil)
    switch (gitRepositories, applied) {
    case (.success(nil), .success(nil)):
      status.installed = false
    default:
      switch gitRepositories {
      case .success(let objects): status.gitRepositories = objects ?? []
      case .failure(let error): status.problem = error.message
      }
      switch applied {
      case .success(let objects): status.kustomizations = objects ?? []
      case .failure(let error): status.problem = error.message
      }
    }
    return status
  }

  /// The objects sorted by namespace and name; nil when the kind is unknown to the API (404).
  private static func list(_ client: KubeClient, _ type: ResourceType) async
    -> Result<[FluxObjectStatus]?, KubeError>
  {
    let items: [JSONValue]
    do {
      items = try await client.list(type).items
    } catch {
      return error.isNotFound ? .success(nil) : .failure(error)
    }
    return .success(
      items.map { FluxObjectStatus(kind: type.kind, $0) }
        .sorted { ($0.namespace, $0.name) < ($1.namespace, $1.name) })
  }

  /// Every object, sources first.
  var objects: [FluxObjectStatus] { gitRepositories + kustomizations }

  /// The objects as monitor rows (on the workloads screen).
  var monitorWorkloads: [MonitorWorkload] {
    objects.map { object in
      var details = [
        MonitorDetail("Ready", object.readyText + (object.reason.map { " (\($0))" } ?? "")),
        MonitorDetail("Revision", object.revision ?? "-"),
      ]
      if let message = object.message, !message.isEmpty {
        details.append(MonitorDetail(object.ready == true ? "Message" : "Last error", message))
      }
      if let handled = object.lastHandledReconcileAt {
        details.append(MonitorDetail("Last reconcile request handled", handled))
      }
      return MonitorWorkload(
        namespace: object.namespace, name: object.name, kind: object.kind,
        ready: object.ready == true ? 1 : 0, desired: 1,
        health: object.ready == true
          ? .healthy : object.ready == false ? .failed : .progressing,
        details: details)
    }
  }
}
