import Basics
import Foundation
import Inventory
import Kubernetes
import RunHistory

/// What `cluster-mgr reconcile` was asked to do.
public struct ReconcileRequest: Sendable {
  /// The inventory file (for the history).
  public var inventoryPath: String
  /// The Kustomization.
  public var name = "flux-system"
  /// Its namespace.
  public var namespace = "flux-system"
  /// The longest to wait for each object to handle the request.
  public var timeoutSeconds = 300

  /// A request for the Kustomization `name` (and its source).
  public init(inventoryPath: String, name: String) {
    self.inventoryPath = inventoryPath
    self.name = name
  }
}

/// `cluster-mgr reconcile`: what `flux reconcile kustomization NAME --with-source` does,
/// through the API: the source GitRepository, then the Kustomization, are annotated with
/// `reconcile.fluxcd.io/requestedAt` = now, and each is waited for until its
/// `status.lastHandledReconcileAt` is that value.
public enum ReconcileOperation {
  /// Asks Flux to reconcile now and waits for it.
  ///
  /// Returns the final lines (revision and Ready of each object); throws when an object is not
  /// Ready once it handled the request.
  public static func run(
    _ request: ReconcileRequest, context: ClusterContext, access: ClusterAccess,
    commandLine: [String] = CommandLine.arguments, now: Date = Date(),
    say: @escaping @Sendable (String) -> Void
  ) async throws -> (lines: [String], runID: Int64?, historyWarning: String?) {
    let api = try await access.api()
    let kustomization = try await find(
      api, FluxKinds.kustomization, request.name, namespace: request.namespace)
    var targets: [(ResourceType, String, String)] = []
    let source = kustomization[path: ["spec", "sourceRef"]]
    if source?["kind"]?.string == "GitRepository", let name = source?["name"]?.string {
      let namespace = source?["namespace"]?.string ?? request.namespace
      _ = try await find(api, FluxKinds.gitRepository, name, namespace: namespace)
      targets.append((FluxKinds.gitRepository, namespace, name))
    }
    targets.append((FluxKinds.kustomization, request.namespace, request.name))
    let history = await OperationHistory.begin(
      command: "reconcile", commandLine: commandLine, inventoryPath: request.inventoryPath,
      redactor: context.redactor, cluster: context.settings.clusterName)
    let value = requestValue(now)
    var lines: [String] = []
    var notReady: [String] = []
    for (type, namespace, name) in targets {
      let label = "\(type.kind) \(namespace)/\(name)"
      let started = ContinuousClock.now
      do {
        say(
          "asking Flux to reconcile \(label) (\(FluxKinds.reconcileRequestAnnotation)=\(value)) ..."
        )
        _ = try await api.patch(
          type, name, namespace: namespace,
          .object([
            "metadata": .object([
              "annotations": .object([FluxKinds.reconcileRequestAnnotation: .string(value)])
            ])
          ]))
        let objects = try await api.wait(
          for: "\(label) to handle the reconcile request \(value)", type, namespace: namespace,
          timeout: .seconds(request.timeoutSeconds),
          describe: { objects in
            "lastHandledReconcileAt is \(objects["\(namespace)/\(name)"]?[path: ["status", "lastHandledReconcileAt"]]?.string ?? "not set")"
          },
          until: { objects in
            objects["\(namespace)/\(name)"]?[path: ["status", "lastHandledReconcileAt"]]?.string
              == value
          })
        let status = FluxObjectStatus(
          kind: type.kind, objects["\(namespace)/\(name)"] ?? .object([:]))
        let line = resultLine(status)
        lines.append(line)
        say(line)
        if status.ready != true { notReady.append(line) }
        history.record(
          host: "\(namespace)/\(name)", step: "reconcile \(type.kind)", status: .changed,
          started: started, message: line)
      } catch {
        let message = (error as? any OperatorError)?.message ?? "\(error)"
        history.record(
          host: "\(namespace)/\(name)", step: "reconcile \(type.kind)", status: .failed,
          started: started, message: message)
        await history.finish(.failed)
        throw OperationError(
          "\(label): reconcile failed: \(message)",
          remedy:
            "check Flux's controllers (cluster-mgr status shows their pods with --pods -n flux-system); "
            + "give it more time with --timeout",
          exitStatus: (error as? any OperatorError)?.exitStatus ?? ExitStatus.failure)
      }
    }
    let id = await history.finish(notReady.isEmpty ? .succeeded : .failed)
    if !notReady.isEmpty {
      throw OperationError(
        "Flux handled the request, but not everything is Ready: "
          + notReady.joined(separator: "; "),
        remedy:
          "fix what the message names (the Git source, its deploy key, the manifests), push, and run cluster-mgr reconcile again"
      )
    }
    return (lines, id, history.warning)
  }

  /// The object, or an error saying that Flux is not installed or which objects there are.
  static func find(_ api: KubeClient, _ type: ResourceType, _ name: String, namespace: String)
    async throws -> JSONValue
  {
    if let object = try await api.get(type, name, namespace: namespace) { return object }
    let listed: KubeList
    switch await Self.listed(api, type, namespace: namespace) {
    case .success(let list?): listed = list
    case .success(nil):
      throw OperationError(
        "Flux is not installed in the cluster: the API knows no \(type.plural).\(type.group)",
        remedy: "set git_repo_url in the inventory and run cluster-mgr provision --tags flux",
        exitStatus: ExitStatus.invalidInput)
    case .failure(let error): throw error
    }
    let names = listed.items.compactMap { $0[path: ["metadata", "name"]]?.string }
    throw OperationError(
      "there is no \(type.kind) \(name) in the namespace \(namespace)"
        + (names.isEmpty
          ? " (it has none)" : " (there: \(names.sorted().joined(separator: ", ")))"),
      remedy: "name one of them, or see them all with cluster-mgr status",
      exitStatus: ExitStatus.invalidInput)
  }

  /// The objects of `type` in `namespace`; nil when the API does not know the kind (404).
  static func listed(_ api: KubeClient, _ type: ResourceType, namespace: String) async
    -> Result<KubeList?, KubeError>
  {
    do {
      return .success(try await api.list(type, namespace: namespace))
    } catch {
      return error.isNotFound ? .success(nil) : .failure(error)
    }
  }

  /// The annotation's value: the time now in RFC 3339 with fractional seconds (as the Flux CLI
  /// writes it; the controllers treat it as a token).
  static func requestValue(_ date: Date) -> String {
    let formatter = ISO8601DateFormatter()
    formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    return formatter.string(from: date)
  }

  /// `GitRepository flux-system/flux-system: revision main@sha1:…, Ready True (message)`.
  static func resultLine(_ status: FluxObjectStatus) -> String {
    var line =
      "\(status.kind) \(status.namespace)/\(status.name): revision \(status.revision ?? "none"), Ready \(status.readyText)"
    if let message = status.message, !message.isEmpty { line += " (\(message))" }
    return line
  }
}
