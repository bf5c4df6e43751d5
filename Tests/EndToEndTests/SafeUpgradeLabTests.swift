import ClusterMgrTesting
import Foundation
import Testing

/// Issue 17's day 2 on one HA lab (3 servers, embedded etcd, 2 agents): a K3s minor upgrade
/// takes a snapshot here before the first server changes and drains agents one at a time; a
/// skipped minor version is refused; `provision --rollback-to` brings the previous version and
/// the cluster's objects back; backups are kept by `--keep`; an HA restore brings back an object
/// deleted after the snapshot with all three servers Ready.
@Suite(
  .serialized,
  .lab("d2-upgrade", hosts: ["lab-cp1", "lab-cp2", "lab-cp3", "lab-w1", "lab-w2"]))
struct SafeUpgradeLabTests {
  static let old = "v1.31.4+k3s1"
  static let next = "v1.32.0+k3s1"
  static let skipping = "v1.36.4+k3s1"
  static let nodes = ["lab-cp1", "lab-cp2", "lab-cp3", "lab-w1", "lab-w2"]

  @Test func upgradeRefusalRollbackBackupsAndHARestore() throws {
    let lab = try LabInstance.required()
    let run = try ClusterMgrRun(lab: lab)
    let (built, _) = try run.provision()
    try #require(built.status == 0, "provision failed:\n\(built.stdout)\n\(built.stderr)")
    try Cluster.apply(lab, Cluster.deployment)
    try Cluster.kubectl(lab, "create configmap before-upgrade --from-literal=k=1")

    try skippedMinorIsRefused(run, lab)
    let upgradeRun = try minorUpgradeSnapshotsFirstAndDrainsOneAgentAtATime(run, lab)
    try rollbackBringsTheVersionAndTheObjectsBack(run, lab, upgradeRun: upgradeRun)
    let snapshot = try backupsAreKeptByCountAndListedWithAgeAndSize(run)
    try haRestoreBringsBackADeletedObjectWithEveryServerReady(run, lab, snapshot: snapshot)
  }

  /// v1.31.4 → v1.36.4 skips four minor versions: refused, nothing changed, no snapshot.
  func skippedMinorIsRefused(_ run: ClusterMgrRun, _ lab: LabInstance) throws {
    let refused = try run.run([
      "provision", "--artifacts", try ClusterMgrRun.artifacts(), "-e",
      "k3s_version=\(Self.skipping)",
    ])
    #expect(refused.status == 2, "\(refused.stdout)\n\(refused.stderr)")
    #expect(
      refused.stderr.contains(
        "K3s \(Self.old) → \(Self.skipping) on lab-cp1, lab-cp2, lab-cp3, lab-w1, lab-w2 skips minor versions (v1.32 … v1.35)"
      ), "\(refused.stderr)")
    #expect(refused.stderr.contains("fix: upgrade to a v1.32.x release first"))
    for host in Self.nodes { #expect(try Cluster.installedVersion(lab, host) == Self.old) }
    #expect(Backups.manifests(run).isEmpty)
  }

  /// v1.31.4 → v1.32.0: the snapshot is here before lab-cp1's binary changes; a watcher on
  /// lab-cp1 never sees two agents cordoned; every node ends Ready at the new version.
  func minorUpgradeSnapshotsFirstAndDrainsOneAgentAtATime(_ run: ClusterMgrRun, _ lab: LabInstance)
    throws -> Int
  {
    try CordonWatch.start(lab)
    let (upgrade, events) = try run.provision(["-e", "k3s_version=\(Self.next)"])
    let samples = try CordonWatch.stop(lab)
    try #require(upgrade.status == 0, "upgrade failed:\n\(upgrade.stdout)\n\(upgrade.stderr)")

    let manifests = Backups.manifests(run)
    try #require(manifests.count == 1, "\(manifests)")
    let manifest = manifests[0]
    #expect(manifest["purpose"] as? String == "pre-upgrade")
    #expect(manifest["k3sVersion"] as? String == Self.old)
    #expect(manifest["upgradeTo"] as? String == Self.next)
    #expect(manifest["datastore"] as? String == "etcd")
    let upgradeRun = try #require(manifest["run"] as? Int)
    let file = Backups.directory(run) + "/" + (manifest["file"] as? String ?? "")
    #expect(file.contains("pre-upgrade-run\(upgradeRun)-"))
    #expect(try BackupFiles.sha256(file) == manifest["sha256"] as? String)
    // Before the first server changed: by the events, and by the files' times.
    let snapshotEvent = try #require(
      events.firstIndex { $0["task"] as? String == "pre-upgrade snapshot" })
    let firstBinary = try #require(
      events.firstIndex {
        ($0["task"] as? String)?.contains("binary") == true && $0["status"] as? String == "changed"
      })
    #expect(snapshotEvent < firstBinary)
    #expect(events[firstBinary]["host"] as? String == "lab-cp1")
    let binaryTime = try #require(
      Double(try lab.exec("lab-cp1", "stat -c %.9Y /usr/local/bin/k3s").stdout.trimmed))
    let snapshotTime = try FileManager.default.attributesOfItem(atPath: file)[.modificationDate]
    #expect((snapshotTime as? Date).map { $0.timeIntervalSince1970 <= binaryTime } == true)

    // Agents: drained and uncordoned one after the other, never two cordoned at once.
    let hooks = events.taskEvents.filter { $0["role"] as? String == "upgrade" }
      .compactMap { event in
        (event["host"] as? String).map { "\($0) \(event["task"] as? String ?? "")" }
      }
    #expect(
      hooks.filter { !$0.contains("snapshot") } == [
        "lab-w1 cordon and drain (K3s \(Self.old) → \(Self.next))",
        "lab-w1 uncordon when Ready at \(Self.next)",
        "lab-w2 cordon and drain (K3s \(Self.old) → \(Self.next))",
        "lab-w2 uncordon when Ready at \(Self.next)",
      ])
    #expect(samples.count > 10, "the watcher took too few samples: \(samples.count)")
    #expect(samples.allSatisfy { $0.count <= 1 }, "\(samples.filter { $0.count > 1 })")
    #expect(samples.contains(["lab-w1"]) && samples.contains(["lab-w2"]), "\(Set(samples))")
    #expect(samples.allSatisfy { !$0.contains { $0.hasPrefix("lab-cp") } })
    for node in Self.nodes {
      #expect(try Cluster.node(run, node).version == Self.next)
      #expect(try Cluster.node(run, node).schedulable)
    }
    return upgradeRun
  }

  /// `provision --rollback-to RUN`: every node at v1.31.4 again, the object made after the
  /// snapshot gone, the ones from before it there.
  func rollbackBringsTheVersionAndTheObjectsBack(
    _ run: ClusterMgrRun, _ lab: LabInstance, upgradeRun: Int
  ) throws {
    try Cluster.kubectl(lab, "create configmap after-upgrade --from-literal=k=2")
    let unconfirmed = try run.run([
      "provision", "--artifacts", try ClusterMgrRun.artifacts(), "--rollback-to", "\(upgradeRun)",
    ])
    #expect(unconfirmed.status == 2, "\(unconfirmed.stderr)")
    #expect(try Cluster.installedVersion(lab, "lab-cp1") == Self.next)
    let back = try run.run([
      "provision", "--artifacts", try ClusterMgrRun.artifacts(), "--rollback-to", "\(upgradeRun)",
      "--force",
    ])
    try #require(back.status == 0, "rollback failed:\n\(back.stdout)\n\(back.stderr)")
    #expect(back.stdout.contains("roll back run \(upgradeRun): K3s \(Self.next) → \(Self.old)"))
    for node in Self.nodes {
      let state = try Cluster.node(run, node)
      #expect(state.version == Self.old, "\(node)")
      #expect(state.ready && state.schedulable, "\(node)")
      #expect(try Cluster.installedVersion(lab, node) == Self.old)
    }
    #expect(try Cluster.kubectl(lab, "get configmap before-upgrade", check: false).status == 0)
    #expect(try Cluster.kubectl(lab, "get configmap after-upgrade", check: false).status != 0)
    #expect(try Cluster.kubectl(lab, "get deployment web", check: false).status == 0)
    // The rollback's own run and the provision after it are in the history.
    let history = try run.run(["history", "--output", "json", "--limit", "2"])
    let runs = try JSONSerialization.jsonObject(with: Data(history.stdout.utf8)) as? [[String: Any]]
    #expect(runs?.compactMap { $0["command"] as? String } == ["provision", "rollback"])
    #expect(runs?.allSatisfy { $0["cluster"] as? String == lab.name } == true)
  }

  /// Two backups with `--keep 1`: one stays, beside the pre-upgrade snapshot (always kept);
  /// `backup list` shows ages and sizes. Returns the backup's file.
  func backupsAreKeptByCountAndListedWithAgeAndSize(_ run: ClusterMgrRun) throws -> String {
    for _ in 0..<2 {
      let backup = try run.run(["backup", "--keep", "1"])
      try #require(backup.status == 0, "backup failed:\n\(backup.stdout)\n\(backup.stderr)")
    }
    let manifests = Backups.manifests(run)
    #expect(manifests.compactMap { $0["purpose"] as? String } == ["pre-upgrade"])
    #expect(manifests.count == 2, "\(manifests.map { $0["file"] ?? "" })")
    let list = try run.run(["backup", "list", "--local-only"])
    #expect(list.status == 0)
    let lines = list.stdout.split(separator: "\n").map(String.init)
    #expect(lines.contains { $0.contains("AGE") && $0.contains("SIZE") && $0.contains("NOTE") })
    #expect(lines.contains { $0.contains(" KiB") && $0.contains("pre-upgrade, run ") })
    #expect(lines.contains { $0.hasPrefix("  2 backups, ") }, "\(list.stdout)")
    let dry = try run.run(["backup", "prune", "--keep-within", "1h", "--dry-run"])
    #expect(dry.status == 0 && dry.stdout.contains("2 kept, 0 to remove"), "\(dry.stdout)")
    let newest = try #require(manifests.first { $0["purpose"] == nil || $0["purpose"] is NSNull })
    return Backups.directory(run) + "/" + (newest["file"] as? String ?? "")
  }

  /// A backup, then an object deleted: `restore --check` changes nothing, the restore brings
  /// the object back on a cluster whose three servers are Ready.
  func haRestoreBringsBackADeletedObjectWithEveryServerReady(
    _ run: ClusterMgrRun, _ lab: LabInstance, snapshot: String
  ) throws {
    try Cluster.kubectl(lab, "delete configmap before-upgrade")
    let check = try run.run(["restore", snapshot, "--check"])
    #expect(check.status == 0, "\(check.stdout)\n\(check.stderr)")
    #expect(check.stdout.contains("stop K3s on lab-cp2, lab-cp3, then on lab-cp1"))
    #expect(check.stdout.contains("--check: nothing was changed"))
    #expect(try Cluster.kubectl(lab, "get configmap before-upgrade", check: false).status != 0)

    let restored = try run.run(["restore", snapshot, "--force"])
    try #require(restored.status == 0, "restore failed:\n\(restored.stdout)\n\(restored.stderr)")
    #expect(restored.stdout.contains("restored: lab-cp1, lab-cp2, lab-cp3 are Ready"))
    #expect(try Cluster.kubectl(lab, "get configmap before-upgrade", check: false).status == 0)
    for server in ["lab-cp1", "lab-cp2", "lab-cp3"] {
      #expect(try Cluster.node(run, server).ready, "\(server)")
      // Each server answers itself: its K3s runs on the restored datastore.
      #expect(
        try Cluster.kubectl(lab, "get configmap before-upgrade", on: server, check: false).status
          == 0, "\(server)")
    }
    for server in ["lab-cp2", "lab-cp3"] {
      let kept = try lab.exec(server, "ls -d /var/lib/rancher/k3s/server/db.before-restore-*")
      #expect(kept.status == 0, "\(server) keeps its old datastore aside")
    }
  }
}

/// Reading the lab cluster as root on a server, without cluster-mgr.
enum Cluster {
  @discardableResult
  static func kubectl(
    _ lab: LabInstance, _ arguments: String, on server: String = "lab-cp1", check: Bool = true
  ) throws -> ProcessResult {
    let result = try lab.exec(server, "k3s kubectl " + arguments)
    if check { try #require(result.status == 0, "kubectl \(arguments): \(result.stderr)") }
    return result
  }

  /// Four pods to drain from the agents.
  static let deployment = """
    apiVersion: apps/v1
    kind: Deployment
    metadata: {name: web, namespace: default}
    spec:
      replicas: 4
      selector: {matchLabels: {app: web}}
      template:
        metadata: {labels: {app: web}}
        spec: {containers: [{name: web, image: nginx}]}
    """

  /// `k3s kubectl apply -f -` of `manifest` on lab-cp1.
  static func apply(_ lab: LabInstance, _ manifest: String) throws {
    let result = try lab.exec(
      "lab-cp1", "k3s kubectl apply -f - <<'CM_EOF'\n\(manifest)\nCM_EOF")
    try #require(result.status == 0, "apply: \(result.stderr)")
  }

  /// The version of the K3s binary installed on `host`.
  static func installedVersion(_ lab: LabInstance, _ host: String) throws -> String {
    try lab.exec(host, "/usr/local/bin/k3s --version | awk 'NR==1{print $3}'").stdout.trimmed
  }

  /// A node's running version, readiness and schedulability.
  static func node(_ run: ClusterMgrRun, _ name: String) throws -> (
    version: String?, ready: Bool, schedulable: Bool
  ) {
    let node = try run.kubectlJSON(["get", "node", name])
    let status = node["status"] as? [String: Any]
    let conditions = status?["conditions"] as? [[String: Any]] ?? []
    return (
      (status?["nodeInfo"] as? [String: Any])?["kubeletVersion"] as? String,
      conditions.contains { $0["type"] as? String == "Ready" && $0["status"] as? String == "True" },
      (node["spec"] as? [String: Any])?["unschedulable"] as? Bool != true
    )
  }
}

/// The backups `backup` and the pre-upgrade snapshot put into the state directory.
enum Backups {
  static func directory(_ run: ClusterMgrRun) -> String {
    run.stateDirectory + "/backups/" + run.lab.name
  }

  /// Every manifest, newest first.
  static func manifests(_ run: ClusterMgrRun) -> [[String: Any]] {
    let directory = directory(run)
    let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
    return names.filter { $0.hasSuffix(".json") }.compactMap { name in
      FileManager.default.contents(atPath: directory + "/" + name).flatMap {
        try? JSONSerialization.jsonObject(with: $0) as? [String: Any]
      }
    }.sorted { ($0["createdAt"] as? String ?? "") > ($1["createdAt"] as? String ?? "") }
  }
}

/// A watcher on lab-cp1 that samples the cordoned nodes while an upgrade runs (through the
/// API of the server it runs on, several times a second).
enum CordonWatch {
  static let log = "/tmp/cordon-watch.log"

  /// Polls the API on lab-cp1 every 50 ms with one long-lived HTTPS connection (a spawned
  /// kubectl per sample is too slow to see a short cordon).
  static func start(_ lab: LabInstance) throws {
    try lab.exec(
      "lab-cp1",
      """
      rm -f \(log); cat > /tmp/cordon-watch.py <<'PY'
      import base64, http.client, json, os, re, ssl, tempfile, time
      text = open("/etc/rancher/k3s/k3s.yaml").read()
      def field(name):
          return base64.b64decode(re.search(name + r"-data: *(\\S+)", text).group(1))
      folder = tempfile.mkdtemp()
      paths = {}
      for name in ("certificate-authority", "client-certificate", "client-key"):
          paths[name] = os.path.join(folder, name)
          open(paths[name], "wb").write(field(name))
      context = ssl.create_default_context(cafile=paths["certificate-authority"])
      context.load_cert_chain(paths["client-certificate"], paths["client-key"])
      connection = None
      with open("\(log)", "a", buffering=1) as out:
          while True:
              try:
                  if connection is None:
                      connection = http.client.HTTPSConnection("127.0.0.1", 6443, context=context, timeout=5)
                  connection.request("GET", "/api/v1/nodes")
                  nodes = json.loads(connection.getresponse().read())["items"]
                  out.write("sample " + " ".join("%s=%s" % (n["metadata"]["name"], str(n.get("spec", {}).get("unschedulable", False)).lower()) for n in nodes) + "\\n")
              except Exception:
                  connection = None
              time.sleep(0.05)
      PY
      nohup python3 /tmp/cordon-watch.py >/dev/null 2>&1 & echo $! > /tmp/cordon-watch.pid
      """)
  }

  /// Stops the watcher; every sample, as the set of cordoned nodes.
  static func stop(_ lab: LabInstance) throws -> [Set<String>] {
    try lab.exec("lab-cp1", "kill $(cat /tmp/cordon-watch.pid)")
    let text = try lab.exec("lab-cp1", "cat \(log)").stdout
    return text.split(separator: "\n").filter { $0.hasPrefix("sample ") }.map { line in
      Set(
        line.split(separator: " ").dropFirst().filter { $0.hasSuffix("=true") }.map {
          String($0.dropLast("=true".count))
        })
    }
  }
}

extension String {
  /// Without surrounding whitespace and line breaks.
  var trimmed: String { trimmingCharacters(in: .whitespacesAndNewlines) }
}
