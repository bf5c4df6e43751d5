import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Whether a cluster lock found on a server looks abandoned (its command was killed or lost its
/// connection before it could remove it). A stale lock is only reported as such: removing it is
/// always the user's decision (`--force-unlock`).
public enum LockStaleness {
  /// Older than this, a lock is reported as stale: no cluster-mgr command runs this long.
  public static let maximumAge: TimeInterval = 4 * 3600

  /// Why a lock held by `owner` for `age` seconds looks stale, or nil when it may be in use.
  ///
  /// `machine` is this workstation's name; `isRunning` says whether a process id of this
  /// workstation is alive.
  public static func reason(
    owner: LockOwner?, age: TimeInterval, machine: String,
    isRunning: (Int32) -> Bool = processIsRunning
  ) -> String? {
    guard let owner else { return "its owner cannot be read" }
    if age > maximumAge {
      return "it was taken \(AgeTextLong.hours(age)) ago, longer than any cluster-mgr command runs"
    }
    if owner.machine == machine, !isRunning(owner.pid) {
      return "its process \(owner.pid) no longer runs on this machine"
    }
    return nil
  }

  /// Whether process `pid` exists on this machine.
  public static func processIsRunning(_ pid: Int32) -> Bool {
    guard pid > 0 else { return false }
    return kill(pid, 0) == 0 || errno == EPERM
  }
}

/// Ages in hours and minutes, for lock messages.
enum AgeTextLong {
  /// `5 h 3 min`, `12 min`.
  static func hours(_ seconds: TimeInterval) -> String {
    let minutes = max(0, Int(seconds)) / 60
    let hours = minutes / 60
    return hours > 0 ? "\(hours) h \(minutes % 60) min" : "\(minutes) min"
  }
}
