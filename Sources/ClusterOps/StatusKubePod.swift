import Foundation

/// A Pod object as `status --pods`, the request totals and the monitor's workloads read it.
struct StatusKubePod: Sendable, Hashable {
  var namespace: String
  var name: String
  /// The node it is scheduled on, if any.
  var nodeName: String?
  /// `Pending`, `Running`, `Succeeded`, `Failed`, `Unknown`.
  var phase: String
  /// What `kubectl get pods` shows as STATUS: a waiting reason (`CrashLoopBackOff`) or the phase.
  var displayStatus: String
  var readyContainers: Int
  var totalContainers: Int
  var restarts: Int
  /// CPU requested by its containers, in millicores.
  var cpuRequestMillicores: Int64
  /// Memory requested by its containers, in bytes.
  var memoryRequestBytes: UInt64
  /// Sum of the containers' `nvidia.com/gpu` requests (an extended resource's request is its
  /// limit when only the limit is set).
  var gpuRequests: Int64 = 0
  /// The controlling owner (`ReplicaSet`, `DaemonSet`, `StatefulSet`, `Job`…).
  var ownerKind: String?
  var ownerName: String?
  /// The `pod-template-hash` label (a Deployment's ReplicaSet is `<deployment>-<hash>`).
  var templateHash: String?
  var images: [String]
  var createdAt: Date?
  /// Whether a container is waiting in a crash loop or the pod failed.
  var isFailing: Bool

  /// Reads a pod object; nil without a name.
  init?(json: [String: Any]) {
    let metadata = json["metadata"] as? [String: Any] ?? [:]
    guard let name = metadata["name"] as? String else { return nil }
    self.name = name
    namespace = metadata["namespace"] as? String ?? "default"
    let spec = json["spec"] as? [String: Any] ?? [:]
    let status = json["status"] as? [String: Any] ?? [:]
    nodeName = spec["nodeName"] as? String
    phase = status["phase"] as? String ?? "Unknown"
    let containers = spec["containers"] as? [[String: Any]] ?? []
    images = containers.compactMap { $0["image"] as? String }
    var cpu: Int64 = 0
    var memory: UInt64 = 0
    var gpus: Int64 = 0
    for container in containers {
      let requests =
        (container["resources"] as? [String: Any])?["requests"] as? [String: Any] ?? [:]
      cpu += (requests["cpu"] as? String).flatMap(StatusQuantity.millicores) ?? 0
      memory += (requests["memory"] as? String).flatMap(StatusQuantity.bytes) ?? 0
      let limits = (container["resources"] as? [String: Any])?["limits"] as? [String: Any] ?? [:]
      let gpu = requests["nvidia.com/gpu"] ?? limits["nvidia.com/gpu"]
      gpus += (gpu as? String).flatMap { Int64($0) } ?? (gpu as? Int).map(Int64.init) ?? 0
    }
    cpuRequestMillicores = cpu
    gpuRequests = gpus
    memoryRequestBytes = memory
    let statuses = status["containerStatuses"] as? [[String: Any]] ?? []
    totalContainers = max(containers.count, statuses.count)
    readyContainers = statuses.filter { $0["ready"] as? Bool == true }.count
    restarts = statuses.reduce(0) { $0 + ($1["restartCount"] as? Int ?? 0) }
    let waiting = statuses.compactMap {
      (($0["state"] as? [String: Any])?["waiting"] as? [String: Any])?["reason"] as? String
    }
    let terminated = statuses.compactMap {
      (($0["state"] as? [String: Any])?["terminated"] as? [String: Any])?["reason"] as? String
    }
    if metadata["deletionTimestamp"] != nil {
      displayStatus = "Terminating"
    } else if let reason = waiting.first {
      displayStatus = reason
    } else if phase != "Succeeded", let reason = terminated.first(where: { $0 != "Completed" }) {
      displayStatus = reason
    } else {
      displayStatus = phase == "Succeeded" ? "Completed" : phase
    }
    isFailing =
      phase == "Failed"
      || waiting.contains { ["CrashLoopBackOff", "ImagePullBackOff", "ErrImagePull"].contains($0) }
    let owners = metadata["ownerReferences"] as? [[String: Any]] ?? []
    let owner = owners.first { $0["controller"] as? Bool == true } ?? owners.first
    ownerKind = owner?["kind"] as? String
    ownerName = owner?["name"] as? String
    templateHash = (metadata["labels"] as? [String: Any])?["pod-template-hash"] as? String
    createdAt = (metadata["creationTimestamp"] as? String).flatMap(StatusTime.parse)
  }

  /// Whether the pod holds its requests on its node (not finished).
  var isActive: Bool { phase != "Succeeded" && phase != "Failed" }

  /// The workload that owns it: `(kind, name)` with a Deployment resolved through its
  /// ReplicaSet's name.
  var workload: (kind: String, name: String)? {
    guard let ownerKind, let ownerName else { return nil }
    if ownerKind == "ReplicaSet" {
      if let templateHash, ownerName.hasSuffix("-" + templateHash) {
        return ("Deployment", String(ownerName.dropLast(templateHash.count + 1)))
      }
      return ("ReplicaSet", ownerName)
    }
    return (ownerKind, ownerName)
  }
}
