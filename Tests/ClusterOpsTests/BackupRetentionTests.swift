import Basics
import Foundation
import Testing

@testable import ClusterOps

/// `--keep N` and `--keep-within DURATION`: what stays, what goes, and never another cluster's
/// backups or the newest pre-upgrade snapshot.
struct BackupRetentionTests {
  static let now = Date(timeIntervalSince1970: 1_800_000_000)

  static func backup(
    _ name: String, daysAgo: Double, cluster: String = "homelab",
    purpose: String? = nil
  ) -> LocalBackup {
    var manifest = BackupManifest(
      file: name, cluster: cluster, server: "cp1", datastore: .etcd, remotePath: "/x/\(name)",
      sha256: String(repeating: "a", count: 64), size: 1024,
      createdAt: now.addingTimeInterval(-daysAgo * 86_400))
    manifest.purpose = purpose
    return LocalBackup(manifest: manifest, path: "/backups/\(name)", state: "ok")
  }

  @Test func durationsAreANumberAndAUnit() {
    #expect(BackupRetention.duration("30d") == TimeInterval(30 * 86_400))
    #expect(BackupRetention.duration("12h") == TimeInterval(12 * 3600))
    #expect(BackupRetention.duration("2w") == TimeInterval(14 * 86_400))
    #expect(BackupRetention.duration("90m") == 5400)
    #expect(BackupRetention.duration("30") == nil)
    #expect(BackupRetention.duration("d") == nil)
    #expect(BackupRetention.duration("-1d") == nil)
  }

  @Test func keepLastKeepsTheNewestAndKeepWithinTheYoungOnes() throws {
    let backups = [0.5, 1.5, 3, 10, 40].enumerated().map {
      Self.backup("b\($0.offset)", daysAgo: $0.element)
    }
    let last = try #require(BackupRetention(keepLast: 2, keepWithin: nil))
    #expect(last.sort(backups, now: Self.now).removed.map(\.manifest.file) == ["b2", "b3", "b4"])
    let within = try #require(BackupRetention(keepLast: nil, keepWithin: 7 * 86_400))
    #expect(within.sort(backups, now: Self.now).removed.map(\.manifest.file) == ["b3", "b4"])
    // Either rule keeps a backup.
    let both = try #require(BackupRetention(keepLast: 4, keepWithin: 2 * 86_400))
    let sorted = both.sort(backups, now: Self.now)
    #expect(sorted.removed.map(\.manifest.file) == ["b4"])
    #expect(sorted.kept.map(\.reason).last == "one of the newest 4")
    #expect(BackupRetention(keepLast: nil, keepWithin: nil) == nil)
  }

  @Test func theNewestPreUpgradeSnapshotAlwaysStays() throws {
    let backups = [
      Self.backup("new", daysAgo: 1), Self.backup("upgrade-2", daysAgo: 20, purpose: "pre-upgrade"),
      Self.backup("upgrade-1", daysAgo: 60, purpose: "pre-upgrade"),
    ]
    let policy = try #require(BackupRetention(keepLast: 1, keepWithin: nil))
    let sorted = policy.sort(backups, now: Self.now)
    #expect(sorted.removed.map(\.manifest.file) == ["upgrade-1"])
    #expect(
      sorted.kept.map(\.reason) == [
        "one of the newest 1", "the newest pre-upgrade snapshot (provision --rollback-to)",
      ])
  }

  @Test func pruneRemovesFilesAndManifestsOfTheClusterOnly() throws {
    let directory = FileManager.default.temporaryDirectory
      .appendingPathComponent("retention-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: directory) }
    func write(_ name: String, cluster: String, daysAgo: Double) throws {
      let path = directory + "/" + name
      try Data("snapshot \(name)".utf8).write(to: URL(fileURLWithPath: path))
      var manifest = Self.backup(name, daysAgo: daysAgo, cluster: cluster).manifest
      manifest.createdAt = Date().addingTimeInterval(-daysAgo * 86_400)
      manifest.sha256 = try FileHash.sha256(path: path)
      try BackupOperation.writeManifest(manifest, next: path)
    }
    try write("mine-old", cluster: "homelab", daysAgo: 5)
    try write("mine-new", cluster: "homelab", daysAgo: 1)
    try write("theirs-old", cluster: "office", daysAgo: 9)
    let policy = try #require(BackupRetention(keepLast: 1, keepWithin: nil))
    let dry = try BackupRetention.prune(
      in: directory, cluster: "homelab", policy: policy, dryRun: true)
    #expect(dry.removed.map(\.manifest.file) == ["mine-old"])
    #expect(FileManager.default.fileExists(atPath: directory + "/mine-old"))
    let done = try BackupRetention.prune(in: directory, cluster: "homelab", policy: policy)
    #expect(done.removed.map(\.manifest.file) == ["mine-old"])
    let left = try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
    #expect(left == ["mine-new", "mine-new.json", "theirs-old", "theirs-old.json"])
  }

  @Test func sizesReadForPeople() {
    #expect(ByteCountText.text(812) == "812 B")
    #expect(ByteCountText.text(4300) == "4.2 KiB")
    #expect(ByteCountText.text(39_321_600) == "37.5 MiB")
  }
}
