import ClusterMgrTesting
import Foundation
import Testing

/// `backup`, `backup list` and `restore` (the real binary) on a single-server lab cluster, whose
/// datastore is SQLite.
@Suite(.serialized, .lab("t-backup", hosts: ["lab-cp1", "lab-w1"]))
struct BackupRestoreTests {
  @Test func backupMatchesTheServerAndRestoreRollsTheClusterBack() throws {
    let lab = try LabInstance.required()
    let nodes = try NodesRun(lab: lab)
    defer { nodes.cleanUp() }
    try nodes.provision()
    _ = try nodes.kubectl("create configmap before-backup")

    let directory = nodes.stateDirectory + "/my-backups"
    let backup = try nodes.run(["backup", "--output", directory])
    try #require(backup.status == 0, "backup failed:\n\(backup.stdout)\n\(backup.stderr)")
    let manifest = try BackupFiles.onlyManifest(in: directory)
    #expect(manifest["datastore"] as? String == "sqlite")
    #expect(manifest["server"] as? String == "lab-cp1")
    let file = directory + "/" + (try #require(manifest["file"] as? String))
    let remotePath = try #require(manifest["remotePath"] as? String)
    let sha = try #require(manifest["sha256"] as? String)
    // The local file, the manifest and the file on the server agree.
    #expect(try BackupFiles.sha256(file) == sha)
    let remote = try lab.exec("lab-cp1", "sha256sum \(remotePath)")
    #expect(remote.stdout.split(separator: " ").first.map(String.init) == sha)
    #expect(try BackupFiles.mode(file) == 0o600)

    let list = try nodes.run(["backup", "list", "--dir", directory, "--output", "json"])
    try #require(list.status == 0, "\(list.stderr)")
    let listing = try #require(
      try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [String: Any])
    let local = try #require(listing["local"] as? [[String: Any]])
    #expect(local.count == 1)
    #expect(local.first?["check"] as? String == "ok")
    let onServer = try #require(listing["remote"] as? [[String: Any]])
    #expect(
      onServer.contains { $0["name"] as? String == (remotePath as NSString).lastPathComponent })

    // A later change, then the restore: the change is gone, the earlier state is back.
    _ = try nodes.kubectl("create configmap after-backup")
    let unconfirmed = try nodes.run(["restore", file])
    #expect(unconfirmed.status == 2)
    let restored = try nodes.run(["restore", file, "--force"])
    try #require(restored.status == 0, "restore failed:\n\(restored.stdout)\n\(restored.stderr)")
    #expect(restored.stdout.contains("restored: lab-cp1 is Ready"))
    #expect(try nodes.kubectl("get configmap after-backup").status != 0)
    #expect(try nodes.kubectl("get configmap before-backup").status == 0)
    #expect(try nodes.readyStatus("lab-cp1") == "True")
    let kept = try lab.exec(
      "lab-cp1", "ls /var/lib/rancher/k3s/server/db/ | grep -c '^state.db.before-restore-[0-9TZ]*$'"
    )
    #expect(kept.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "1")

    // A backup whose file changed is refused.
    try Data("tampered".utf8).write(to: URL(fileURLWithPath: file))
    let tampered = try nodes.run(["restore", file, "--force"])
    #expect(tampered.status == 2)
    #expect(tampered.stderr.contains("has changed since it was backed up"))

    let history = try nodes.run(["history", "list"])
    #expect(history.stdout.contains("backup"))
    #expect(history.stdout.contains("restore"))
  }
}

/// Reading what `backup` wrote.
enum BackupFiles {
  /// The one manifest in `directory`, decoded.
  static func onlyManifest(in directory: String) throws -> [String: Any] {
    let manifests = try FileManager.default.contentsOfDirectory(atPath: directory).filter {
      $0.hasSuffix(".json")
    }
    try #require(manifests.count == 1, "manifests: \(manifests)")
    let data = try Data(contentsOf: URL(fileURLWithPath: directory + "/" + manifests[0]))
    return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
  }

  /// The SHA-256 of a file, computed by `sha256sum` (independently of cluster-mgr).
  static func sha256(_ path: String) throws -> String {
    let result = try ProcessRunner.run(["sha256sum", path])
    return String(result.stdout.prefix(64))
  }

  /// The permission bits of a file.
  static func mode(_ path: String) throws -> Int {
    let attributes = try FileManager.default.attributesOfItem(atPath: path)
    return (attributes[.posixPermissions] as? Int ?? 0) & 0o777
  }
}
