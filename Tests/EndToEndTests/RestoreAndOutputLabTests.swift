import ClusterMgrTesting
import Foundation
import Testing

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A single-server lab cluster (SQLite): a restore that fails or is interrupted leaves K3s
/// running, a large snapshot is streamed to disk with flat memory, and `run` keeps only the end
/// of a huge output (the real binary, its peak memory measured by the kernel).
@Suite(.serialized, .lab("rel-restore", hosts: ["lab-cp1"]))
struct RestoreAndOutputLabTests {
  /// A provisioned cluster with a backup; the configmap `after-backup` exists only after it.
  static func clusterWithBackup(_ nodes: NodesRun) throws -> String {
    if try !nodes.k3sActive() { try nodes.provision() }
    _ = try nodes.kubectl("delete configmap after-backup --ignore-not-found")
    let directory = nodes.stateDirectory + "/backups"
    let backup = try nodes.run(["backup", "--output", directory])
    try #require(backup.status == 0, "backup failed: \(backup.stderr)")
    let manifest = try BackupFiles.onlyManifest(in: directory)
    _ = try nodes.kubectl("create configmap after-backup")
    return directory + "/" + (try #require(manifest["file"] as? String))
  }

  /// Waits until K3s is active on lab-cp1 (its start may still be under way).
  static func k3sComesBack(_ nodes: NodesRun) async throws -> Bool {
    for _ in 0..<120 {
      if try nodes.k3sActive() { return true }
      try await Task.sleep(for: .milliseconds(500))
    }
    return false
  }

  @Test func aRestoreThatFailsWithK3sStoppedStartsItAgain() async throws {
    let nodes = try NodesRun(lab: try LabInstance.required())
    defer { nodes.cleanUp() }
    let file = try Self.clusterWithBackup(nodes)
    // The swap of state.db fails after K3s was stopped.
    try nodes.plantStandIn(
      "mv",
      """
      for last; do :; done
      case "$last" in */server/db/state.db) echo "mv: injected failure" >&2; exit 1 ;; esac
      """)
    defer { nodes.removeStandIn("mv") }
    let result = try nodes.run(["restore", file, "--force"])
    #expect(result.status == 1)
    #expect(result.stderr.contains("replace state.db on lab-cp1 failed: mv: injected failure"))
    #expect(result.stderr.contains("K3s runs on lab-cp1"))
    #expect(result.stderr.contains("fix: the swap was undone: lab-cp1 runs its previous datastore"))
    #expect(try await Self.k3sComesBack(nodes))
    // The old datastore is still the one in use.
    #expect(try nodes.kubectl("get configmap after-backup").status == 0)
    #expect(try nodes.lastOutcome(of: "restore") == "failed")
    #expect(try nodes.clusterLock() == nil)
  }

  @Test func ctrlCDuringARestoreLetsTheStepFinishAndLeavesK3sRunning() async throws {
    let nodes = try NodesRun(lab: try LabInstance.required())
    defer { nodes.cleanUp() }
    let file = try Self.clusterWithBackup(nodes)
    // Keeping the current state.db (a hard link, right after K3s stopped) takes 6 s.
    try nodes.plantStandIn("ln", "sleep 6")
    defer { nodes.removeStandIn("ln") }
    let restore = try nodes.start(["restore", file, "--force"])
    let stopped = try await restore.wait(for: .seconds(120), every: .milliseconds(100)) {
      try !nodes.k3sActive()
    }
    try #require(stopped, "the restore never stopped K3s: \(restore.stdout)\(restore.stderr)")
    restore.send(SIGINT)
    let result = await restore.finish()
    #expect(result.status == 130, "\(result.stderr)")
    #expect(result.stderr.contains("interrupted (SIGINT) before wait for Ready on lab-cp1"))
    #expect(result.stderr.contains("K3s runs on lab-cp1"))
    #expect(try nodes.k3sActive())
    // The running step finished: the snapshot is in place.
    #expect(try nodes.kubectl("get configmap after-backup").status != 0)
    #expect(try nodes.lastOutcome(of: "restore") == "interrupted")
    #expect(try nodes.clusterLock() == nil)
  }

  @Test func aRestoreWhoseWorkstationDiesStillEndsWithK3sRunning() async throws {
    let nodes = try NodesRun(lab: try LabInstance.required())
    defer { nodes.cleanUp() }
    let file = try Self.clusterWithBackup(nodes)
    try nodes.plantStandIn("ln", "sleep 4")
    defer { nodes.removeStandIn("ln") }
    let restore = try nodes.start(["restore", file, "--force"])
    let stopped = try await restore.wait(for: .seconds(120), every: .milliseconds(100)) {
      try !nodes.k3sActive()
    }
    try #require(stopped, "the restore never stopped K3s: \(restore.stderr)")
    restore.send(SIGKILL)
    _ = await restore.finish()
    #expect(try await Self.k3sComesBack(nodes))
    // Its lock stays, and names a process of this machine that is gone.
    let next = try nodes.run(["restore", file, "--force"])
    #expect(next.status == 1)
    #expect(next.stderr.contains("(pid \(restore.pid))"))
    #expect(next.stderr.contains("its process \(restore.pid) no longer runs on this machine"))
    let forced = try nodes.run(["restore", file, "--force", "--force-unlock"])
    #expect(forced.status == 0, "\(forced.stderr)")
    #expect(forced.stderr.contains("--force-unlock: removed the cluster lock on lab-cp1 held by"))
    #expect(try nodes.clusterLock() == nil)
  }

  @Test func aLargeSnapshotIsStreamedToDiskWithFlatMemory() async throws {
    let lab = try LabInstance.required()
    let nodes = try NodesRun(lab: lab)
    defer { nodes.cleanUp() }
    if try !nodes.k3sActive() { try nodes.provision() }
    // 200 MiB of incompressible ballast in the datastore.
    let db = "/var/lib/rancher/k3s/server/db/state.db"
    let ballast = """
      python3 -c "import sqlite3; c = sqlite3.connect('\(db)', timeout=30); \
      c.execute('CREATE TABLE IF NOT EXISTS cm_ballast (b BLOB)'); \
      [c.execute('INSERT INTO cm_ballast VALUES (randomblob(10485760))') for _ in range(20)]; \
      c.commit()"
      """
    try #require(try lab.exec("lab-cp1", ballast).status == 0)
    defer {
      _ = try? lab.exec(
        "lab-cp1",
        "python3 -c \"import sqlite3; c = sqlite3.connect('\(db)', timeout=30); c.execute('DROP TABLE cm_ballast'); c.commit(); c.execute('VACUUM')\"; rm -f /var/lib/rancher/k3s/server/db/snapshots/cluster-mgr-*"
      )
    }
    let binary = [Repository.clusterMgrBinary]
    let (baseline, baselinePeak) = try ProcessRunner.runMeasuringPeakMemory(
      binary + ["backup", "list"], environment: nodes.environment)
    #expect(baseline.status == 0, "\(baseline.stderr)")
    let directory = nodes.stateDirectory + "/large"
    let (backup, peak) = try ProcessRunner.runMeasuringPeakMemory(
      binary + ["backup", "--output", directory], environment: nodes.environment)
    try #require(backup.status == 0, "backup failed: \(backup.stderr)")
    let manifest = try BackupFiles.onlyManifest(in: directory)
    let size = try #require(manifest["size"] as? Int)
    #expect(size > 200 << 20)
    let file = directory + "/" + (try #require(manifest["file"] as? String))
    #expect(try BackupFiles.sha256(file) == manifest["sha256"] as? String)
    #expect(try BackupFiles.mode(file) == 0o600)
    // No temporary file is left next to it.
    #expect(try FileManager.default.contentsOfDirectory(atPath: directory).count == 2)
    print(
      "rel-restore: backup of \(size >> 20) MiB peaked at \(peak >> 20) MiB, backup list at \(baselinePeak >> 20) MiB"
    )
    #expect(
      peak - baselinePeak < 48 << 20,
      "backup peaked at \(peak >> 20) MiB, backup list at \(baselinePeak >> 20) MiB")
  }

  @Test func aCommandWritingFiftyMegabytesKeepsTheEndAndSaysSo() async throws {
    let nodes = try NodesRun(lab: try LabInstance.required())
    defer { nodes.cleanUp() }
    let binary = [Repository.clusterMgrBinary]
    let (small, smallPeak) = try ProcessRunner.runMeasuringPeakMemory(
      binary + ["run", "echo small"], environment: nodes.environment)
    #expect(small.status == 0, "\(small.stderr)")
    let command = "yes 'fifty megabytes of output' | head -c 52428800; echo; echo the-last-line"
    let (large, peak) = try ProcessRunner.runMeasuringPeakMemory(
      binary + ["run", command], environment: nodes.environment)
    #expect(large.status == 0, "\(large.stderr)")
    #expect(
      large.stdout.contains(
        "[output cut: the first 49.0 MiB of standard output were dropped, the last 1.0 MiB follows]"
      ))
    #expect(large.stdout.contains("the-last-line"))
    #expect(large.stdout.utf8.count < 2 << 20)
    print(
      "rel-restore: run of 50 MiB peaked at \(peak >> 20) MiB, a small run at \(smallPeak >> 20) MiB"
    )
    #expect(
      peak - smallPeak < 32 << 20,
      "run peaked at \(peak >> 20) MiB, a small run at \(smallPeak >> 20) MiB")
    let show = try nodes.run(["history", "show", "last"])
    #expect(show.stdout.contains("stdout cut: the first"))
  }
}
