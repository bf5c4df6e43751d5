import ClusterMgrTesting
import Foundation
import Testing

/// `add-node` of servers, then `remove-node`, `backup` and `restore` on an embedded-etcd cluster
/// (the real binary).
@Suite(.serialized, .lab("t-etcd", hosts: ["lab-cp1", "lab-cp2", "lab-cp3"]))
struct RemoveNodeEtcdTests {
  @Test func serversAreAddedThenRemovedAfterASnapshotAndOnlyWithQuorumToSpare() throws {
    let lab = try LabInstance.required()
    // Servers notice a silent one after 6 s instead of 40 (a lab-only knob of the stand-in).
    for host in ["lab-cp1", "lab-cp2", "lab-cp3"] {
      try lab.exec(
        host,
        "mkdir -p /etc/cluster-mgr-lab && echo LAB_K3S_NODE_MONITOR_GRACE_PERIOD=6 >> /etc/cluster-mgr-lab/k3s.env"
      )
    }
    // One server (SQLite), then two servers added: the first becomes etcd's first member.
    let nodes = try NodesRun(lab: lab, omitting: ["lab-cp2", "lab-cp3"])
    defer { nodes.cleanUp() }
    try nodes.provision()
    for host in ["lab-cp2", "lab-cp3"] {
      let added = try nodes.run([
        "add-node", host, "--role", "control-plane", "--provision", "--artifacts",
        try NodesRun.artifacts(), "-e", "k3s_version=v1.31.4+k3s1", "--no-kubeconfig",
      ])
      try #require(added.status == 0, "add-node \(host) failed:\n\(added.stdout)\n\(added.stderr)")
      #expect(added.stdout.contains("\(host): group control_plane"))
      #expect(added.stdout.contains("\(host) is Ready"))
      #expect(added.stdout.contains("note: lab-cp1 is provisioned too") == (host == "lab-cp2"))
    }
    let roles = try nodes.kubectl("get node lab-cp1 -o jsonpath='{.metadata.labels}'")
    #expect(roles.stdout.contains("node-role.kubernetes.io/etcd"))

    // An etcd snapshot, fetched and checked.
    let directory = nodes.stateDirectory + "/etcd-backups"
    let backup = try nodes.run(["backup", "--output", directory])
    try #require(backup.status == 0, "backup failed:\n\(backup.stdout)\n\(backup.stderr)")
    let manifest = try BackupFiles.onlyManifest(in: directory)
    #expect(manifest["datastore"] as? String == "etcd")
    let server = try #require(manifest["server"] as? String)
    let remotePath = try #require(manifest["remotePath"] as? String)
    let sha = try #require(manifest["sha256"] as? String)
    #expect(try BackupFiles.sha256(directory + "/" + (manifest["file"] as? String ?? "")) == sha)
    #expect(try lab.exec(server, "sha256sum \(remotePath)").stdout.hasPrefix(sha))

    // 3 → 2: snapshot first, then drain, delete, uninstall, inventory.
    let before = try nodes.inventoryText()
    let removed = try nodes.run(["remove-node", "lab-cp3", "--force", "--delete-emptydir-data"])
    try #require(removed.status == 0, "remove-node failed:\n\(removed.stdout)\n\(removed.stderr)")
    #expect(removed.stdout.contains("servers: 3 of 3 Ready (embedded etcd: quorum kept)"))
    let snapshotLine = try #require(
      removed.stdout.split(separator: "\n").first { $0.hasPrefix("snapshot: ") })
    let snapshot = String(snapshotLine.dropFirst("snapshot: ".count).split(separator: " ")[0])
    #expect(snapshot.contains("/var/lib/rancher/k3s/server/db/snapshots/pre-remove-lab-cp3-"))
    let snapshotServer = String(snapshotLine.split(separator: " ").last ?? "")
    #expect(snapshotServer != "lab-cp3")
    #expect(try lab.exec(snapshotServer, "test -s \(snapshot)").status == 0)
    #expect(try nodes.readyStatus("lab-cp3") == nil)
    #expect(try lab.exec("lab-cp3", "test -e /usr/local/bin/k3s").status != 0)
    let change = NodesRun.changedLines(from: before, to: try nodes.inventoryText())
    #expect(change.added.isEmpty)
    #expect(change.removed.first == "        lab-cp3:")
    #expect(change.removed.count == 3)

    // 2 servers, one of them down: removing either would cost quorum.
    try lab.stop("lab-cp2")
    var waited = 0
    while try nodes.readyStatus("lab-cp2") == "True", waited < 30 {
      Thread.sleep(forTimeInterval: 1)
      waited += 1
    }
    let refused = try nodes.run(["remove-node", "lab-cp2", "--force"])
    #expect(refused.status == 1, "\(refused.stdout)\n\(refused.stderr)")
    #expect(
      refused.stderr.contains("would leave embedded etcd without quorum: 1 of 2 servers Ready now"))
    #expect(!(try nodes.inventoryText()).contains("lab-cp3:"))
    #expect(try nodes.inventoryText().contains("lab-cp2:"))

    // Back up: 2 → 1 with both Ready leaves a single etcd server, which restore handles.
    try lab.start("lab-cp2")
    waited = 0
    while try nodes.readyStatus("lab-cp2") != "True", waited < 60 {
      Thread.sleep(forTimeInterval: 1)
      waited += 1
    }
    let second = try nodes.run(["remove-node", "lab-cp2", "--force"])
    try #require(second.status == 0, "remove-node failed:\n\(second.stdout)\n\(second.stderr)")
    let single = nodes.stateDirectory + "/single"
    let taken = try nodes.run(["backup", "--output", single])
    try #require(taken.status == 0, "backup failed:\n\(taken.stdout)\n\(taken.stderr)")
    let snapshotFile =
      single + "/" + (try BackupFiles.onlyManifest(in: single)["file"] as? String ?? "")
    _ = try nodes.kubectl("create configmap after-backup")
    let restored = try nodes.run(["restore", snapshotFile, "--force"])
    try #require(restored.status == 0, "restore failed:\n\(restored.stdout)\n\(restored.stderr)")
    #expect(restored.stdout.contains("restoring with k3s server --cluster-reset"))
    #expect(
      restored.stdout.contains(
        "the previous datastore is kept on lab-cp1 as /var/lib/rancher/k3s/server/db/snapshots/pre-restore-"
      ))
    #expect(try nodes.kubectl("get configmap after-backup").status != 0)
    #expect(try nodes.readyStatus("lab-cp1") == "True")
  }
}
