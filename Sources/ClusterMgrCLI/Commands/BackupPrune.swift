import ArgumentParser
import Basics
import ClusterOps
import Foundation
import Inventory
import TerminalUI

/// How backups are described for people.
enum BackupText {
  /// `3d`, `5h`, `40s`: how long ago `date` was.
  static func age(_ date: Date) -> String { AgeText.kubectlStyle(Date().timeIntervalSince(date)) }

  /// `pre-upgrade, run 12: v1.31.4+k3s1 → v1.32.0+k3s1` for the snapshot an upgrade took.
  static func note(_ manifest: BackupManifest) -> String {
    guard manifest.purpose == BackupManifest.preUpgrade else { return "" }
    return "pre-upgrade"
      + (manifest.run.map { ", run \($0)" } ?? "")
      + ": \(manifest.k3sVersion ?? "?") → \(manifest.upgradeTo ?? "?")"
  }
}

extension ClusterMgr {
  /// `cluster-mgr backup prune --keep N --keep-within D`: remove old backups here.
  struct BackupPrune: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "prune",
      abstract: "Remove the cluster's older backups on this machine (--keep, --keep-within).",
      discussion: """
        Keeps the newest N backups of the cluster (--keep) and every one taken within DURATION \
        (--keep-within); a backup either rule keeps stays, and so does the newest pre-upgrade \
        snapshot (what provision --rollback-to restores). Only this machine's files and \
        manifests of the inventory's cluster are touched; the snapshots on the server are K3s's \
        (k3s etcd-snapshot prune). --dry-run lists what would go. Takes no lock.
        """)

    @OptionGroup var backups: BackupDirectoryOption

    @Flag(help: "List what would be removed; remove nothing.")
    var dryRun = false

    @OptionGroup var retention: RetentionOptions
    @OptionGroup var inventory: InventoryOptions

    func validate() throws {
      if retention.policy == nil {
        throw ValidationError("Say what to keep: --keep N, --keep-within DURATION, or both.")
      }
    }

    func run() async throws {
      try await reportingOperatorErrors {
        let cluster = try inventory.load(locked: .keep).clusterSettings.clusterName
        let folder = backups.resolved(cluster: cluster)
        guard let policy = retention.policy else { return }
        let outcome = try BackupRetention.prune(
          in: folder, cluster: cluster, policy: policy, dryRun: dryRun)
        for (backup, reason) in outcome.kept {
          print(
            "keep    \(backup.manifest.file) (\(BackupText.age(backup.manifest.createdAt)) old: \(reason))"
          )
        }
        for backup in outcome.removed {
          print(
            "\(dryRun ? "would remove" : "removed") \(backup.manifest.file) "
              + "(\(BackupText.age(backup.manifest.createdAt)) old, \(ByteCountText.text(backup.manifest.size)))"
          )
        }
        let freed = outcome.removed.reduce(Int64(0)) { $0 + $1.manifest.size }
        print(
          "\(outcome.kept.count) kept, \(outcome.removed.count) \(dryRun ? "to remove" : "removed") "
            + "(\(ByteCountText.text(freed))) in \(folder)")
      }
    }
  }
}
