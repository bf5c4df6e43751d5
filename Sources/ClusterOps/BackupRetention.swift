import Basics
import Foundation

/// Which backups of a cluster to keep: the newest `keepLast`, and every one younger than
/// `keepWithin`; a backup either rule keeps stays. The newest pre-upgrade snapshot (what
/// `provision --rollback-to` needs) is always kept.
public struct BackupRetention: Sendable, Equatable {
  /// `--keep N`: the newest N backups.
  public var keepLast: Int?
  /// `--keep-within DURATION`: backups taken at most this long ago, in seconds.
  public var keepWithin: TimeInterval?

  /// A policy; nil when neither rule is given (nothing would be pruned).
  public init?(keepLast: Int?, keepWithin: TimeInterval?) {
    guard keepLast != nil || keepWithin != nil else { return nil }
    self.keepLast = keepLast
    self.keepWithin = keepWithin
  }

  /// Parses `30d`, `12h`, `90m`, `2w`, `45s` into seconds; nil for anything else.
  public static func duration(_ text: String) -> TimeInterval? {
    guard let unit = text.last, let count = Int(text.dropLast()), count >= 0 else { return nil }
    let seconds: Int? =
      switch unit {
      case "s": 1
      case "m": 60
      case "h": 3600
      case "d": 86_400
      case "w": 604_800
      default: nil
      }
    return seconds.map { TimeInterval(count * $0) }
  }

  /// What the policy does with `backups` (any order) at `now`: the ones kept, each with why,
  /// and the ones to remove, newest first.
  public func sort(_ backups: [LocalBackup], now: Date = Date()) -> (
    kept: [(backup: LocalBackup, reason: String)], removed: [LocalBackup]
  ) {
    let newestFirst = backups.sorted { $0.manifest.createdAt > $1.manifest.createdAt }
    let rollback = newestFirst.first { $0.manifest.purpose == BackupManifest.preUpgrade }
    var kept: [(LocalBackup, String)] = []
    var removed: [LocalBackup] = []
    for (index, backup) in newestFirst.enumerated() {
      let age = now.timeIntervalSince(backup.manifest.createdAt)
      if let keepLast, index < keepLast {
        kept.append((backup, "one of the newest \(keepLast)"))
      } else if let keepWithin, age <= keepWithin {
        kept.append((backup, "younger than \(AgeText.kubectlStyle(keepWithin))"))
      } else if backup.path == rollback?.path {
        kept.append((backup, "the newest pre-upgrade snapshot (provision --rollback-to)"))
      } else {
        removed.append(backup)
      }
    }
    return (kept, removed)
  }

  /// Applies `policy` to the backups of `cluster` in `directory` (others are never touched):
  /// removes each pruned snapshot and its manifest unless `dryRun`. Returns what was kept and
  /// what was (or would be) removed.
  public static func prune(
    in directory: String, cluster: String, policy: BackupRetention, dryRun: Bool = false,
    now: Date = Date()
  ) throws -> (kept: [(backup: LocalBackup, reason: String)], removed: [LocalBackup]) {
    let backups = BackupOperation.localBackups(in: directory).filter {
      $0.manifest.cluster == cluster
    }
    let outcome = policy.sort(backups, now: now)
    guard !dryRun else { return outcome }
    for backup in outcome.removed {
      for path in [backup.path, backup.path + ".json"] {
        do {
          if FileManager.default.fileExists(atPath: path) {
            try FileManager.default.removeItem(atPath: path)
          }
        } catch {
          throw OperationError(
            "cannot remove \(path): \(error.localizedDescription)",
            remedy: "check the permissions of \(directory)")
        }
      }
    }
    return outcome
  }
}

/// Sizes for people: `812 B`, `4.2 KiB`, `37.5 MiB`, `1.2 GiB`.
public enum ByteCountText {
  /// `bytes` with the largest binary unit that keeps the number at least 1.
  public static func text(_ bytes: Int64) -> String {
    let units = ["B", "KiB", "MiB", "GiB", "TiB"]
    var value = Double(max(0, bytes))
    var unit = 0
    while value >= 1024 && unit < units.count - 1 {
      value /= 1024
      unit += 1
    }
    return unit == 0 ? "\(bytes) B" : String(format: "%.1f", value) + " " + units[unit]
  }
}
