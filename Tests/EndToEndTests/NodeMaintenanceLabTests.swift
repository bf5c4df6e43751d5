import ClusterMgrTesting
import Foundation
import Testing

/// Issue 17's node maintenance and GitOps at a glance, on one lab (a server, two workers with
/// the demo's labels, taints and reservations, a GPU worker with time-slicing, Flux): `status
/// --capacity` adds up against the Node and Pod objects; `drain --stop-k3s` moves the pods
/// away, leaves the node SchedulingDisabled (status says so) and K3s stopped; `uncordon`
/// starts K3s, waits for Ready and makes it schedulable; `cordon`/`uncordon`; `reconcile`
/// gets Flux to handle the request; `status` shows Flux.
@Suite(.serialized, .lab("d2-maint", hosts: ["lab-cp1", "lab-w1", "lab-w2", "lab-gpu1"]))
struct NodeMaintenanceLabTests {
  /// Four pods with requests, to drain and to count.
  static let deployment = """
    apiVersion: apps/v1
    kind: Deployment
    metadata: {name: web, namespace: default}
    spec:
      replicas: 4
      selector: {matchLabels: {app: web}}
      template:
        metadata: {labels: {app: web}}
        spec:
          containers:
          - name: web
            image: nginx
            resources: {requests: {cpu: 150m, memory: 96Mi}}
    """

  @Test func drainUncordonCapacityAndFlux() throws {
    let lab = try LabInstance.required()
    let run = try ClusterMgrRun(lab: lab, inventory: ExportResetLabTests.demoInventory)
    let (built, _) = try run.provision()
    try #require(built.status == 0, "provision failed:\n\(built.stdout)\n\(built.stderr)")
    try Cluster.apply(lab, Self.deployment)
    let started = try Self.eventually(180) {
      try Self.webPods(run).filter { $0.running }.count == 4
    }
    try #require(started, "web pods: \(String(describing: try? Self.webPods(run)))")

    try statusShowsFlux(run)
    try capacityAddsUp(run)
    try drainStopK3sAndUncordon(run, lab)
    try cordonAndUncordonKeepK3s(run, lab)
    try reconcileIsHandled(run)
  }

  func statusShowsFlux(_ run: ClusterMgrRun) throws {
    let text = try run.run(["status"])
    #expect(text.stdout.contains("Flux:"), "\(text.stdout)")
    #expect(
      text.stdout.contains("GitRepository") && text.stdout.contains("flux-system/flux-system"),
      "\(text.stdout)")
    let json = try Self.statusJSON(run, [])
    let flux = try #require(json["flux"] as? [String: Any])
    #expect(flux["installed"] as? Bool == true)
    let kustomization = try #require((flux["kustomizations"] as? [[String: Any]])?.first)
    #expect(kustomization["name"] as? String == "flux-system")
    #expect(kustomization["ready"] as? Bool == true, "\(kustomization)")
    #expect((kustomization["revision"] as? String)?.contains("@sha1:") == true, "\(kustomization)")
    let source = try #require((flux["gitRepositories"] as? [[String: Any]])?.first)
    #expect(source["revision"] as? String == kustomization["revision"] as? String)
  }

  /// Per node: the figures are the Node's, reservations the inventory's, requests the pods'.
  func capacityAddsUp(_ run: ClusterMgrRun) throws {
    let json = try Self.statusJSON(run, ["--capacity"])
    let capacity = try #require(json["capacity"] as? [String: Any])
    let rows = try #require(capacity["nodes"] as? [[String: Any]])
    #expect(
      rows.map { $0["name"] as? String ?? "" } == ["lab-cp1", "lab-gpu1", "lab-w1", "lab-w2"])
    let pods = try run.kubectlJSON(["get", "pods", "-A"])["items"] as? [[String: Any]] ?? []
    var totalRequested: Int64 = 0
    for row in rows {
      let name = row["name"] as? String ?? ""
      let node = try run.kubectlJSON(["get", "node", name])
      let status = node["status"] as? [String: Any] ?? [:]
      let cpu = try #require(row["cpu"] as? [String: Any])
      let capacityCPU = Self.millicores((status["capacity"] as? [String: Any])?["cpu"])
      let allocatableCPU = Self.millicores((status["allocatable"] as? [String: Any])?["cpu"])
      #expect(Self.int(cpu["capacityMillicores"]) == capacityCPU, "\(name) \(cpu)")
      #expect(Self.int(cpu["allocatableMillicores"]) == allocatableCPU, "\(name) \(cpu)")
      #expect(
        Self.int(cpu["reservedMillicores"]) == capacityCPU - allocatableCPU
          && Self.int(cpu["allocatableMillicores"])
            == Self.int(cpu["capacityMillicores"]) - Self.int(cpu["reservedMillicores"])
      )
      let requested = pods.filter { pod in
        (pod["spec"] as? [String: Any])?["nodeName"] as? String == name
          && !["Succeeded", "Failed"].contains(
            (pod["status"] as? [String: Any])?["phase"] as? String)
      }.reduce(Int64(0)) { sum, pod in
        let containers = (pod["spec"] as? [String: Any])?["containers"] as? [[String: Any]] ?? []
        return sum
          + containers.reduce(Int64(0)) {
            $0
              + Self.millicores(
                (($1["resources"] as? [String: Any])?["requests"] as? [String: Any])?["cpu"])
          }
      }
      totalRequested += requested
      #expect(Self.int(cpu["requestedMillicores"]) == requested, "\(name) \(cpu)")
      #expect(
        Self.int(cpu["leftMillicores"]) == allocatableCPU - requested, "\(name) \(cpu)")
    }
    // lab-w1: reserved_cpu 500m + system_reserved_cpu 500m (default), memory 1Gi + 2Gi.
    let w1 = try #require(rows.first { $0["name"] as? String == "lab-w1" })
    let w1CPU = w1["cpu"] as? [String: Any] ?? [:]
    #expect(Self.int(w1CPU["kubeReservedMillicores"]) == 500)
    #expect(Self.int(w1CPU["systemReservedMillicores"]) == 500)
    #expect(Self.int(w1CPU["reservedMillicores"]) == 1000, "\(w1CPU)")
    let w1Memory = w1["memory"] as? [String: Any] ?? [:]
    #expect(Self.int(w1Memory["kubeReservedBytes"]) == 1 << 30)
    #expect(Self.int(w1Memory["systemReservedBytes"]) == 2 << 30)
    #expect(
      Self.int(w1Memory["reservedBytes"])
        == (3 << 30) + Self.int(w1Memory["evictionReservedBytes"]), "\(w1Memory)")
    // lab-gpu1: its GPUs offered 4 times each (gpu_time_slicing_replicas: 4).
    let gpu = try #require(
      rows.first { $0["name"] as? String == "lab-gpu1" }?["gpu"] as? [String: Any])
    #expect(Self.int(gpu["timeSliceReplicas"]) == 4, "\(gpu)")
    #expect(
      Self.int(gpu["physical"]) >= 1 && Self.int(gpu["capacity"]) == 4 * Self.int(gpu["physical"]),
      "\(gpu)")
    let total = try #require(capacity["total"] as? [String: Any])
    #expect(Self.int((total["cpu"] as? [String: Any])?["requestedMillicores"]) == totalRequested)
    #expect(Self.int((total["gpu"] as? [String: Any])?["capacity"]) == Self.int(gpu["capacity"]))
    let text = try run.run(["status", "--capacity"])
    #expect(text.stdout.contains("Capacity (from the API"), "\(text.stdout)")
    #expect(text.stdout.contains("EVICTION"), "\(text.stdout)")
  }

  /// Drains the agent that runs web pods with --stop-k3s, then gives it back.
  func drainStopK3sAndUncordon(_ run: ClusterMgrRun, _ lab: LabInstance) throws {
    let refused = try run.run(["drain", "lab-cp1", "--stop-k3s"])
    #expect(refused.status == 2, "\(refused.stdout)\n\(refused.stderr)")
    #expect(refused.stderr.contains("lab-cp1 is a server"), "\(refused.stderr)")
    #expect(try Cluster.node(run, "lab-cp1").schedulable)

    let candidates = try Self.webPods(run).compactMap(\.node).filter {
      $0 != "lab-cp1" && $0 != "lab-w1"
    }
    let target = try #require(candidates.first, "no web pod on an agent")
    let drain = try run.run(["drain", target, "--stop-k3s", "--timeout", "180"])
    try #require(drain.status == 0, "drain failed:\n\(drain.stdout)\n\(drain.stderr)")
    #expect(drain.stdout.contains("cordoned \(target)"), "\(drain.stdout)")
    #expect(drain.stdout.contains("evicting default/web-"), "\(drain.stdout)")
    #expect(drain.stdout.contains("\(target) drained"), "\(drain.stdout)")
    #expect(drain.stdout.contains("stopped K3s on \(target)"), "\(drain.stdout)")
    #expect(try lab.exec(target, "systemctl is-active k3s-agent").stdout.trimmed == "inactive")
    #expect(try !Cluster.node(run, target).schedulable)
    let moved = try Self.eventually(120) {
      let pods = try Self.webPods(run)
      return pods.filter(\.running).count == 4 && !pods.contains { $0.node == target }
    }
    #expect(moved, "web pods: \(String(describing: try? Self.webPods(run)))")
    let json = try Self.statusJSON(run, [])
    let row = (json["nodes"] as? [[String: Any]])?.first { $0["name"] as? String == target }
    #expect(row?["cordoned"] as? Bool == true, "\(String(describing: row))")
    #expect((row?["status"] as? String)?.hasSuffix(",SchedulingDisabled") == true)
    #expect(try run.run(["status"]).stdout.contains("SchedulingDisabled"))
    let history = try run.run(["history", "--command", "drain", "--output", "json"])
    let runs = try JSONSerialization.jsonObject(with: Data(history.stdout.utf8)) as? [[String: Any]]
    #expect(runs?.first?["outcome"] as? String == "succeeded", "\(history.stdout)")

    let back = try run.run(["uncordon", target, "--ready-timeout", "180"])
    try #require(back.status == 0, "uncordon failed:\n\(back.stdout)\n\(back.stderr)")
    #expect(back.stdout.contains("starting K3s (k3s-agent) on \(target)"), "\(back.stdout)")
    #expect(back.stdout.contains("\(target) is Ready"), "\(back.stdout)")
    #expect(try lab.exec(target, "systemctl is-active k3s-agent").stdout.trimmed == "active")
    let node = try Cluster.node(run, target)
    #expect(node.ready && node.schedulable, "\(node)")
  }

  func cordonAndUncordonKeepK3s(_ run: ClusterMgrRun, _ lab: LabInstance) throws {
    let cordon = try run.run(["cordon", "lab-w1"])
    #expect(cordon.status == 0, "\(cordon.stderr)")
    #expect(try !Cluster.node(run, "lab-w1").schedulable)
    let again = try run.run(["cordon", "lab-w1"])
    #expect(again.stdout.contains("lab-w1 was already cordoned"), "\(again.stdout)")
    let uncordon = try run.run(["uncordon", "lab-w1"])
    #expect(uncordon.status == 0, "\(uncordon.stderr)")
    #expect(!uncordon.stdout.contains("starting K3s"), "\(uncordon.stdout)")
    #expect(try Cluster.node(run, "lab-w1").schedulable)
    let unknown = try run.run(["cordon", "no-such-node"])
    #expect(unknown.status == 2 && unknown.stderr.contains("neither a host"), "\(unknown.stderr)")
  }

  func reconcileIsHandled(_ run: ClusterMgrRun) throws {
    let reconcile = try run.run(["reconcile", "--timeout", "120"])
    try #require(
      reconcile.status == 0, "reconcile failed:\n\(reconcile.stdout)\n\(reconcile.stderr)")
    #expect(reconcile.stdout.contains("GitRepository flux-system/flux-system: revision "))
    #expect(
      reconcile.stdout.contains("Kustomization flux-system/flux-system: revision ")
        && reconcile.stdout.contains("Ready True"), "\(reconcile.stdout)")
    for kind in [
      "kustomizations.kustomize.toolkit.fluxcd.io", "gitrepositories.source.toolkit.fluxcd.io",
    ] {
      let object = try run.kubectlJSON(["get", kind, "flux-system", "-n", "flux-system"])
      let requested =
        ((object["metadata"] as? [String: Any])?["annotations"] as? [String: Any])?[
          "reconcile.fluxcd.io/requestedAt"] as? String
      #expect(requested != nil)
      #expect(
        (object["status"] as? [String: Any])?["lastHandledReconcileAt"] as? String == requested)
    }
    let missing = try run.run(["reconcile", "nope"])
    #expect(missing.status == 2, "\(missing.stderr)")
    #expect(missing.stderr.contains("there is no Kustomization nope"), "\(missing.stderr)")
  }

  // MARK: - Helpers

  static func statusJSON(_ run: ClusterMgrRun, _ arguments: [String]) throws -> [String: Any] {
    let result = try run.run(["status", "--output", "json"] + arguments)
    return try #require(
      try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any],
      "\(result.stdout)\n\(result.stderr)")
  }

  static func webPods(_ run: ClusterMgrRun) throws -> [(node: String?, running: Bool)] {
    let items =
      try run.kubectlJSON(["get", "pods", "-l", "app=web"])["items"] as? [[String: Any]] ?? []
    return items.filter { ($0["metadata"] as? [String: Any])?["deletionTimestamp"] == nil }.map {
      (
        ($0["spec"] as? [String: Any])?["nodeName"] as? String,
        ($0["status"] as? [String: Any])?["phase"] as? String == "Running"
      )
    }
  }

  static func eventually(_ seconds: Double, _ check: () throws -> Bool) throws -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
      if try check() { return true }
      Thread.sleep(forTimeInterval: 1)
    }
    return try check()
  }

  static func int(_ value: Any?) -> Int64 { (value as? NSNumber)?.int64Value ?? -1 }

  /// `2` → 2000, `500m` → 500 (what the lab's quantities look like).
  static func millicores(_ value: Any?) -> Int64 {
    guard let text = value as? String else { return 0 }
    if text.hasSuffix("m") { return Int64(text.dropLast()) ?? 0 }
    return Int64((Double(text) ?? 0) * 1000)
  }
}
