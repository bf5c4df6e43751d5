import Basics
import Foundation
import Inventory

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// This workstation's lock on a cluster: `flock` on `<state>/locks/<cluster>.lock` (mode 0600),
/// held for the whole command and released by the kernel when the process ends, however it ends.
///
/// The holder writes who it is into the file (``LockOwner``), so that a second command on the
/// same cluster, after waiting briefly, fails naming the first one's pid, user, command line and
/// start time.
public final class LocalClusterLock: @unchecked Sendable {
  // Safety: `descriptor` is written only by `release()`, called once by the owner of the lock.
  /// The lock file.
  public let path: String
  private var descriptor: Int32

  private init(path: String, descriptor: Int32) {
    self.path = path
    self.descriptor = descriptor
  }

  deinit { release() }

  /// The lock file of `cluster` in `directory` (the state directory's `locks/` by default);
  /// throws for a name that is not a DNS label (it becomes a file name).
  public static func path(cluster: String, in directory: URL = StatePaths.locksDirectory) throws
    -> String
  {
    if let problem = ValueRules.dnsLabelProblem(cluster, what: "cluster_name") {
      throw OperationError(
        problem, remedy: "fix cluster_name in the inventory", exitStatus: ExitStatus.invalidInput)
    }
    return directory.appendingPathComponent(cluster + ".lock").path
  }

  /// Takes the lock of `cluster` for `owner`, waiting up to `wait` for another command to end;
  /// throws ``LocalLockHeld`` naming that command when it does not.
  public static func acquire(
    cluster: String, owner: LockOwner, wait: Duration = .seconds(3),
    directory: URL = StatePaths.locksDirectory
  ) async throws -> LocalClusterLock {
    let path = try path(cluster: cluster, in: directory)
    do { try AtomicFile.makeDirectories(directory.path, mode: 0o700) } catch {
      throw OperationError(error.message, remedy: error.remedy)
    }
    let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o600)
    guard descriptor >= 0 else {
      throw OperationError(
        "cannot open the lock file \(path): \(String(cString: strerror(errno)))",
        remedy: "check that the state directory is yours and writable")
    }
    let deadline = ContinuousClock.now + wait
    // Never blocks a thread: a non-blocking attempt, then a pause, until the deadline.
    while flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
      let code = errno
      if code == EINTR { continue }
      guard code == EWOULDBLOCK else {
        close(descriptor)
        throw OperationError("cannot lock \(path): \(String(cString: strerror(code)))")
      }
      guard ContinuousClock.now < deadline else {
        let holder = LockOwner(text: Self.read(descriptor))
        close(descriptor)
        throw LocalLockHeld(cluster: cluster, path: path, owner: holder)
      }
      try? await Task.sleep(for: .milliseconds(100))
    }
    // A lock file made by an older version may be readable by others: make it private (a new
    // one is private from its creation and is not touched).
    var status = stat()
    if fstat(descriptor, &status) == 0, mode_t(status.st_mode) & 0o077 != 0 {
      _ = fchmod(descriptor, 0o600)
    }
    let text = Array(owner.text.utf8)
    _ = ftruncate(descriptor, 0)
    _ = text.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, 0) }
    return LocalClusterLock(path: path, descriptor: descriptor)
  }

  /// Empties the file and unlocks it (the file stays: removing it would let two commands lock
  /// two different files of the same name).
  public func release() {
    guard descriptor >= 0 else { return }
    _ = ftruncate(descriptor, 0)
    close(descriptor)
    descriptor = -1
  }

  /// The file's content (the holder's record).
  static func read(_ descriptor: Int32) -> String {
    var bytes = [UInt8](repeating: 0, count: 4096)
    let count = bytes.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, $0.count, 0) }
    return String(decoding: bytes.prefix(max(0, count)), as: UTF8.self)
  }
}

/// Another command on this workstation works on the cluster.
public struct LocalLockHeld: OperatorError {
  /// The cluster.
  public let cluster: String
  /// The lock file.
  public let path: String
  /// Who holds it (nil: it has not written its name yet).
  public let owner: LockOwner?

  public var message: String {
    guard let owner else {
      return "another cluster-mgr command on this machine works on cluster \(cluster) "
        + "(it holds \(path))"
    }
    return "another cluster-mgr command on this machine works on cluster \(cluster): "
      + "pid \(owner.pid), user \(owner.user), started \(LockOwner.timestamp(owner.started)) "
      + "(\(AgeText.kubectlStyle(Date().timeIntervalSince(owner.started))) ago): \(owner.command)"
  }

  public var remedy: String? {
    "wait until it has finished, then run again"
      + (owner.map { " (or stop it: kill -INT \($0.pid))" } ?? "")
  }
}
