import Basics
import Foundation
import Yams

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The workstation's kubeconfig, changed the way kubectl expects: under kubectl's own lock
/// (`FILE.lock`), through a symbolic link to the file it points at, with the previous version kept
/// as `FILE.cluster-mgr.bak` (0600), written atomically with mode 0600 from the first byte. A file
/// that cannot be read, or is not UTF-8 YAML, is left as it is: an error, never replaced.
public struct KubeconfigFile: Sendable {
  /// The kubeconfig path as given (a link is followed).
  public let path: String
  /// How long to wait for another program's lock.
  public var lockWait: Duration

  /// The kubeconfig at `path`.
  public init(path: String, lockWait: Duration = .seconds(10)) {
    self.path = path
    self.lockWait = lockWait
  }

  /// Applies `change` to the current text (empty when there is no file) and writes the result.
  public func update(_ change: (String) throws -> String) throws -> KubeconfigMerge.Outcome {
    let target = resolvedTarget()
    try AtomicFile.makeDirectories(AtomicFile.directoryName(target), mode: 0o700)
    let lock = try KubeconfigLock(path: target, wait: lockWait)
    defer { lock.release() }
    let existing = try read(target)
    let merged = try change(existing ?? "")
    if let existing, !existing.isEmpty, let old = try? Yams.compose(yaml: existing),
      let new = try? Yams.compose(yaml: merged), old == new
    {
      return .unchanged
    }
    var owner: (uid: uid_t, gid: gid_t)?
    var status = stat()
    if stat(target, &status) == 0 { owner = (status.st_uid, status.st_gid) }
    if let existing {
      try AtomicFile.write(
        Data(existing.utf8), to: target + ".cluster-mgr.bak", mode: 0o600, owner: owner)
    }
    try AtomicFile.write(Data(merged.utf8), to: target, mode: 0o600, owner: owner)
    return .updated
  }

  /// The file the kubeconfig path names, through symbolic links (so a link stays a link).
  func resolvedTarget() -> String {
    var current = path
    for _ in 0..<16 {
      guard let destination = try? FileManager.default.destinationOfSymbolicLink(atPath: current)
      else { return current }
      current =
        destination.hasPrefix("/")
        ? destination
        : AtomicFile.directoryName(current) + "/" + destination
    }
    return current
  }

  /// The current text; nil when there is no file. Unreadable or non-UTF-8: an error.
  private func read(_ target: String) throws -> String? {
    guard FileManager.default.fileExists(atPath: target) else { return nil }
    guard let data = FileManager.default.contents(atPath: target) else {
      throw KubeconfigError(
        message:
          "cannot read \(target) (\(String(cString: strerror(EACCES)))); it was left as it is",
        remedy:
          "make it readable by you (e.g. sudo chown $USER \(target)), or pass --kubeconfig PATH or --no-kubeconfig"
      )
    }
    guard let text = String(data: data, encoding: .utf8) else {
      throw KubeconfigError(
        message: "\(target) is not UTF-8 text; it was left as it is",
        remedy: "repair or move it, or pass --kubeconfig PATH or --no-kubeconfig")
    }
    if !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
      _ = try KubeconfigMerge.mapping(text, what: target)
    }
    return text
  }
}

/// kubectl's lock on a kubeconfig: the file `PATH.lock`, created exclusively (client-go's
/// `lockFile`), removed when the write is done.
struct KubeconfigLock {
  let lockPath: String

  init(path: String, wait: Duration) throws {
    lockPath = path + ".lock"
    let deadline = ContinuousClock.now + wait
    while true {
      let descriptor = open(lockPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
      if descriptor >= 0 {
        close(descriptor)
        return
      }
      guard errno == EEXIST, ContinuousClock.now < deadline else {
        throw KubeconfigError(
          message:
            "\(lockPath) is held by another program (kubectl writes it while it changes the file)",
          remedy: "wait for it to finish; if no kubectl is running, remove \(lockPath)")
      }
      usleep(100_000)
    }
  }

  func release() { unlink(lockPath) }
}
