import Foundation
import GRDB

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Where the history lives and how to open it: WAL mode, a busy timeout, migrations applied.
struct HistoryDatabase: Sendable {
  /// The database file.
  let url: URL
  /// How long to wait for another process's lock before giving up, in seconds.
  let busyTimeout: TimeInterval

  /// Opens the database, creating the state directory (0700) and the file (0600) first.
  func openCreating(access: HistoryAccess) throws(HistoryProblem) -> DatabaseQueue {
    try createDirectory(access: access)
    try createFile(access: access)
    return try connect(access: access)
  }

  /// Opens an existing database; nil when the file does not exist (no history yet).
  func openIfPresent() throws(HistoryProblem) -> DatabaseQueue? {
    guard FileManager.default.fileExists(atPath: url.path) else { return nil }
    return try connect(access: .reading)
  }

  private func connect(access: HistoryAccess) throws(HistoryProblem) -> DatabaseQueue {
    var configuration = Configuration()
    configuration.journalMode = .wal
    configuration.busyMode = .timeout(busyTimeout)
    configuration.label = "cluster-mgr history"
    do {
      let queue = try DatabaseQueue(path: url.path, configuration: configuration)
      try HistorySchema.migrator.migrate(queue)
      return queue
    } catch {
      throw HistoryProblem.classify(
        error, database: url, access: access, busyTimeout: busyTimeout)
    }
  }

  /// Creates the state directory and any missing parents, each with mode 0700.
  private func createDirectory(access: HistoryAccess) throws(HistoryProblem) {
    let directory = url.deletingLastPathComponent()
    var missing: [URL] = []
    var candidate = directory
    while !FileManager.default.fileExists(atPath: candidate.path), candidate.path != "/" {
      missing.insert(candidate, at: 0)
      candidate.deleteLastPathComponent()
    }
    for path in missing {
      guard mkdir(path.path, 0o700) != 0 else { continue }
      let code = errno
      guard code != EEXIST else { continue }
      let reason = String(cString: strerror(code))
      throw .stateDirectory(directory, database: url, reason: reason, access: access)
    }
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory),
      isDirectory.boolValue
    else {
      throw .stateDirectory(
        directory, database: url, reason: "it exists and is not a directory", access: access)
    }
  }

  /// Creates an empty file with mode 0600 so SQLite (and its -wal and -shm files) inherit it.
  private func createFile(access: HistoryAccess) throws(HistoryProblem) {
    let fd = open(url.path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0o600)
    if fd >= 0 {
      close(fd)
      return
    }
    let code = errno
    if code == EEXIST { return }
    throw .unwritable(url, reason: String(cString: strerror(code)), access: access)
  }
}
