import Basics
import Foundation
import Kubernetes

/// Drains a node through the API, as `kubectl drain` does: cordon it, then evict its pods with
/// the Eviction API (PodDisruptionBudgets respected: an eviction a budget refuses, 429, is asked
/// again every few seconds), and wait until they are gone. DaemonSet and mirror pods are left;
/// pods with emptyDir data, and pods no controller would recreate, are refused unless asked for.
/// Reusable by any command that takes a node out (`remove-node`, rolling upgrades).
public struct NodeDrain: Sendable {
  /// What the drain may do.
  public struct Options: Sendable {
    /// Evict pods with emptyDir volumes (their data is lost).
    public var deleteEmptyDirData = false
    /// Evict pods no controller would recreate.
    public var force = false
    /// The longest the whole drain may take.
    public var timeout: Duration = .seconds(300)
    /// How long to wait before asking again for a pod a disruption budget protects.
    public var retryInterval: Duration = .seconds(5)

    /// The defaults: emptyDir and bare pods refused, 300 s, a retry every 5 s.
    public init() {}
  }

  /// What the drain is doing, for progress lines.
  public enum Progress: Sendable, Equatable {
    /// The node is cordoned (no new pods).
    case cordoned(node: String)
    /// A pod left on the node, and why.
    case skipped(pod: String, reason: String)
    /// An eviction was asked for.
    case evicting(pod: String)
    /// A disruption budget refused the eviction for now (the API's message); asked again later.
    case blocked(pod: String, message: String)
    /// The pod is gone.
    case evicted(pod: String)
    /// Every pod that had to go is gone.
    case drained(node: String)
  }

  /// The API to drain through.
  public let client: KubeClient

  /// A drain through `client`.
  public init(client: KubeClient) { self.client = client }

  /// Cordons `node` and evicts its pods; throws ``DrainRefused`` before evicting anything when
  /// a pod may not be evicted, ``DrainTimedOut`` naming the pods left (and why) at the time limit.
  public func drain(
    _ node: String, options: Options = Options(), progress: @Sendable (Progress) -> Void = { _ in }
  ) async throws {
    let deadline = ContinuousClock.now + options.timeout
    try await cordon(node)
    progress(.cordoned(node: node))
    let pods = try await client.list(.pod, fieldSelector: "spec.nodeName=\(node)").items
    let (evict, skipped, refused) = Self.classify(pods, options: options)
    for (pod, reason) in skipped { progress(.skipped(pod: pod, reason: reason)) }
    if !refused.isEmpty { throw DrainRefused(node: node, refusals: refused) }
    var pending = evict
    var blockers: [String: String] = [:]
    while !pending.isEmpty {
      var stillPending: [JSONValue] = []
      for pod in pending {
        let name = Self.name(pod)
        progress(.evicting(pod: name))
        switch try await client.evict(
          pod: pod[path: ["metadata", "name"]]?.string ?? "",
          namespace: pod[path: ["metadata", "namespace"]]?.string ?? "default")
        {
        case .evicted, .gone:
          blockers[name] = nil
        case .blocked(let message):
          blockers[name] = message
          progress(.blocked(pod: name, message: message))
          stillPending.append(pod)
        }
      }
      pending = stillPending
      guard !pending.isEmpty else { break }
      let left = ContinuousClock.now.duration(to: deadline)
      guard left > .zero else {
        throw DrainTimedOut(node: node, timeout: options.timeout, blockers: blockers)
      }
      try await Task.sleep(for: min(options.retryInterval, left))
    }
    try await waitUntilGone(node, evict, deadline: deadline, options: options, progress: progress)
    progress(.drained(node: node))
  }

  /// Marks the node unschedulable (nothing when it already is).
  public func cordon(_ node: String) async throws {
    _ = try await client.patch(
      .node, node, .object(["spec": .object(["unschedulable": .bool(true)])]))
  }

  /// Marks the node schedulable again (nothing when it already is).
  public func uncordon(_ node: String) async throws {
    _ = try await client.patch(
      .node, node, .object(["spec": .object(["unschedulable": .bool(false)])]))
  }

  /// Waits until every evicted pod is gone (deleted, or replaced by a pod with another uid).
  private func waitUntilGone(
    _ node: String, _ evicted: [JSONValue], deadline: ContinuousClock.Instant, options: Options,
    progress: @Sendable (Progress) -> Void
  ) async throws {
    let uids = Set(evicted.compactMap { $0[path: ["metadata", "uid"]]?.string })
    let left = ContinuousClock.now.duration(to: deadline)
    do {
      _ = try await client.wait(
        for: "the pods evicted from \(node) to be gone", .pod,
        fieldSelector: "spec.nodeName=\(node)", timeout: max(.seconds(1), left),
        describe: { objects in objects.keys.sorted().joined(separator: ", ") },
        until: { objects in
          !objects.values.contains { uids.contains($0[path: ["metadata", "uid"]]?.string ?? "") }
        })
    } catch is KubeWaitTimeout {
      throw DrainTimedOut(
        node: node, timeout: options.timeout,
        blockers: Dictionary(
          uniqueKeysWithValues: evicted.map { (Self.name($0), "evicted but still terminating") }))
    }
    for pod in evicted { progress(.evicted(pod: Self.name(pod))) }
  }

  /// Which pods to evict, which to leave (and why), which forbid the drain (and why).
  static func classify(_ pods: [JSONValue], options: Options) -> (
    evict: [JSONValue], skipped: [(String, String)], refused: [(String, String)]
  ) {
    var evict: [JSONValue] = []
    var skipped: [(String, String)] = []
    var refused: [(String, String)] = []
    for pod in pods {
      let name = Self.name(pod)
      let owner = (pod[path: ["metadata", "ownerReferences"]]?.array ?? []).first {
        $0["controller"]?.bool == true
      }
      if pod[path: ["metadata", "annotations", "kubernetes.io/config.mirror"]] != nil {
        skipped.append((name, "a mirror pod (the kubelet's own)"))
      } else if owner?["kind"]?.string == "DaemonSet" {
        skipped.append((name, "managed by a DaemonSet"))
      } else if pod[path: ["metadata", "deletionTimestamp"]] != nil {
        skipped.append((name, "already terminating"))
      } else if owner == nil && !options.force {
        refused.append((name, "no controller would recreate it (use --force to evict it anyway)"))
      } else if Self.hasEmptyDir(pod) && !options.deleteEmptyDirData {
        refused.append(
          (name, "it has emptyDir data (use --delete-emptydir-data to evict it anyway)"))
      } else {
        evict.append(pod)
      }
    }
    return (evict, skipped, refused)
  }

  static func hasEmptyDir(_ pod: JSONValue) -> Bool {
    (pod[path: ["spec", "volumes"]]?.array ?? []).contains { $0["emptyDir"] != nil }
  }

  /// `namespace/name`.
  static func name(_ pod: JSONValue) -> String {
    "\(pod[path: ["metadata", "namespace"]]?.string ?? "default")/\(pod[path: ["metadata", "name"]]?.string ?? "?")"
  }
}

/// A drain that would have to evict pods it was not asked to.
public struct DrainRefused: OperatorError {
  /// The node.
  public let node: String
  /// Each pod and why it may not be evicted.
  public let refusals: [(String, String)]

  public var message: String {
    "cannot drain \(node): "
      + refusals.map { "\($0.0): \($0.1)" }.joined(separator: "; ")
  }

  public var remedy: String? {
    "move or delete those pods first, or pass the option the message names"
  }
}

/// A drain that ran out of time: the pods still there and what held each back.
public struct DrainTimedOut: OperatorError {
  /// The node.
  public let node: String
  /// The drain's time limit.
  public let timeout: Duration
  /// Pod → why it is still there (a disruption budget's message).
  public let blockers: [String: String]

  public var message: String {
    "the drain of \(node) stopped after \(timeout.components.seconds) s; "
      + blockers.keys.sorted().map { "pod \($0) blocked: \(blockers[$0] ?? "")" }.joined(
        separator: "; ")
  }

  public var remedy: String? {
    "the pod's PodDisruptionBudget allows no disruption now: scale its workload up or relax the budget, then run again; or give more time with --drain-timeout"
  }
}
