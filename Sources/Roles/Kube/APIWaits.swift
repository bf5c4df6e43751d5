import Basics
import Engine
import Foundation
import Kubernetes

/// Waits through the API, with watches: a list says whether the condition already holds (the
/// no-op's only request); otherwise the task waits on a watch from that list until it does, or
/// fails at its time limit naming the last state seen.
struct APIWait: APIResource {
  /// What is waited for, in words (`lab-w1 Ready with kubelet v1.36.4+k3s1`).
  let what: String
  /// The objects' kind: `apiVersion` and `kind` (custom resources resolved by discovery).
  let apiVersion: String
  let kind: String
  let namespace: String?
  /// The objects that must satisfy the condition (empty: every object there is, at least one).
  let names: [String]
  let timeoutSeconds: Int
  let reads: KubeReads
  /// Whether one object is as wanted.
  let holds: @Sendable (JSONValue) -> Bool
  /// One object's state in words, for the timeout's message.
  let describe: @Sendable (JSONValue) -> String

  func plan(_ context: PlanContext) async throws -> APIPlan {
    let objects: [JSONValue]
    do {
      guard let type = try await reads.client().resourceType(apiVersion: apiVersion, kind: kind)
      else { return waitPlan("(\(kind) is not served yet)") }
      objects = try await reads.list(type, namespace: namespace).items
    } catch let error as KubeError where error.exitStatus == ExitStatus.unreachable {
      // The API is restarting after this run's changes: wait for it.
      guard context.earlierTaskChanges else { throw error }
      return waitPlan("(the API does not answer yet)")
    } catch {
      return try APIPlan.unavailable(error, would: "wait for \(what)", context: context)
    }
    if satisfied(objects) && !context.earlierTaskChanges { return .ok(what) }
    let seen = objects.filter { names.isEmpty || names.contains(name($0)) }.map(describe)
    return waitPlan(seen.isEmpty ? "" : "(now: \(seen.joined(separator: "; ")))")
  }

  private func waitPlan(_ note: String) -> APIPlan {
    let wait = self
    return APIPlan(
      Plan(.change, "wait for \(what)" + (note.isEmpty ? "" : " \(note)"), reportsOwnChange: true)
    ) {
      try await wait.run()
    }
  }

  /// Waits on a watch; tolerates the API not answering until the time limit.
  private func run() async throws -> APIOutcome {
    let client = try await reads.client()
    let deadline = ContinuousClock.now + .seconds(timeoutSeconds)
    while true {
      do {
        guard let type = try await client.resourceType(apiVersion: apiVersion, kind: kind) else {
          throw PlanError("the API does not serve \(apiVersion)/\(kind)")
        }
        let names = names
        let holds = holds
        let describe = describe
        let left = ContinuousClock.now.duration(to: deadline)
        _ = try await client.wait(
          for: what, type, namespace: namespace,
          fieldSelector: names.count == 1 ? "metadata.name=\(names[0])" : nil,
          timeout: max(.seconds(1), left),
          describe: { objects in
            objects.values.filter { names.isEmpty || names.contains(Self.name($0)) }.map(describe)
              .joined(separator: "; ")
          },
          until: { objects in Self.satisfied(Array(objects.values), names: names, holds: holds) })
        await reads.forget(type)
        return APIOutcome(changed: false, output: "\(what): done")
      } catch let error as PlanError where ContinuousClock.now < deadline {
        _ = error
        await client.forgetDiscovery(apiVersion: apiVersion)
        try await Task.sleep(for: .milliseconds(500))
      } catch let error as KubeError
        where error.exitStatus == ExitStatus.unreachable && ContinuousClock.now < deadline
      {
        try await Task.sleep(for: .milliseconds(500))
      }
    }
  }

  private func satisfied(_ objects: [JSONValue]) -> Bool {
    Self.satisfied(objects, names: names, holds: holds)
  }

  static func satisfied(
    _ objects: [JSONValue], names: [String], holds: (JSONValue) -> Bool
  ) -> Bool {
    if names.isEmpty { return !objects.isEmpty && objects.allSatisfy(holds) }
    return names.allSatisfy { wanted in objects.contains { name($0) == wanted && holds($0) } }
  }

  static func name(_ object: JSONValue) -> String {
    object[path: ["metadata", "name"]]?.string ?? ""
  }

  private func name(_ object: JSONValue) -> String { Self.name(object) }
}

extension APIWait {
  /// `node` Ready, its kubelet running `version` (the running one, not the binary on disk).
  static func nodeReady(_ node: String, version: String, timeoutSeconds: Int, reads: KubeReads)
    -> APIWait
  {
    APIWait(
      what: "\(node) Ready with kubelet \(version)", apiVersion: "v1", kind: "Node",
      namespace: nil, names: [node], timeoutSeconds: timeoutSeconds, reads: reads,
      holds: {
        let state = NodeState($0)
        return state.ready == true && state.kubeletVersion == version
      },
      describe: {
        let state = NodeState($0)
        return "\(name($0)) Ready=\(state.readyStatus), kubelet \(state.kubeletVersion ?? "?")"
      })
  }

  /// Objects of a kind with a condition True (`Established`, `Available`, `Ready`).
  static func condition(
    _ what: String, apiVersion: String, kind: String, namespace: String? = nil, names: [String],
    condition type: String, timeoutSeconds: Int, reads: KubeReads
  ) -> APIWait {
    APIWait(
      what: what, apiVersion: apiVersion, kind: kind, namespace: namespace, names: names,
      timeoutSeconds: timeoutSeconds, reads: reads,
      holds: { condition($0, type) == "True" },
      describe: { object in
        let reason =
          conditionField(object, type, "message") ?? conditionField(object, type, "reason") ?? ""
        return
          "\(kind.lowercased())/\(name(object)) \(type)=\(condition(object, type) ?? "Unknown")"
          + (reason.isEmpty ? "" : " (\(reason))")
      })
  }

  /// A node offering at least `minimum` of an extended resource (`nvidia.com/gpu`).
  static func allocatable(
    _ node: String, resource: String, minimum: Int, timeoutSeconds: Int, reads: KubeReads
  ) -> APIWait {
    APIWait(
      what: "\(node) offers \(resource) ≥ \(minimum)", apiVersion: "v1", kind: "Node",
      namespace: nil,
      names: [node], timeoutSeconds: timeoutSeconds, reads: reads,
      holds: {
        (Int($0[path: ["status", "allocatable", resource]]?.string ?? "") ?? 0) >= minimum
      },
      describe: {
        "\(name($0)) allocatable \(resource)=\($0[path: ["status", "allocatable", resource]]?.string ?? "0")"
      })
  }

  static func condition(_ object: JSONValue, _ type: String) -> String? {
    conditionField(object, type, "status")
  }

  static func conditionField(_ object: JSONValue, _ type: String, _ field: String) -> String? {
    (object[path: ["status", "conditions"]]?.array ?? []).first { $0["type"]?.string == type }?[
      field]?
      .string
  }
}
