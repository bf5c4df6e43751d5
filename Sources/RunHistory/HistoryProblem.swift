import Basics
import Foundation
import GRDB

/// Why the run history could not be read or written: one message a person can act on.
///
/// The recorder never throws this into a run; it hands it over once (``RunRecorder/warning``)
/// for the caller to print as a warning. Reading commands throw it.
public struct HistoryProblem: OperatorError, Sendable, Equatable {
  /// What went wrong, broadly.
  public enum Kind: String, Sendable, Codable {
    /// The file is not a SQLite database, or it is damaged.
    case corrupt
    /// Another process held the database locked for longer than the busy timeout.
    case locked
    /// The file or its directory cannot be created or written.
    case unwritable
    /// The state directory cannot be created.
    case stateDirectory
    /// Anything else SQLite reported.
    case failed
  }

  /// What went wrong, broadly.
  public let kind: Kind
  /// The database file concerned.
  public let path: String
  public let message: String
  public let remedy: String?

  init(kind: Kind, path: String, message: String, remedy: String?) {
    self.kind = kind
    self.path = path
    self.message = message
    self.remedy = remedy
  }
}

/// Whether a problem arose while recording a run (the run goes on) or while reading the history.
enum HistoryAccess {
  case recording
  case reading

  var consequence: String {
    switch self {
    case .recording: " The run goes on, but this run is not recorded in the history."
    case .reading: ""
    }
  }
}

extension HistoryProblem {
  /// The state directory `directory` could not be created.
  static func stateDirectory(
    _ directory: URL, database: URL, reason: String, access: HistoryAccess
  ) -> HistoryProblem {
    HistoryProblem(
      kind: .stateDirectory, path: database.path,
      message: "Cannot create the state directory \(directory.path): \(reason)."
        + access.consequence,
      remedy: "Create it yourself (mkdir -p -m 700 \(ShellQuote.quote(directory.path))), "
        + "or point CLUSTER_MGR_STATE_DIR at a writable directory.")
  }

  /// The database file could not be created or opened for writing.
  static func unwritable(_ database: URL, reason: String, access: HistoryAccess) -> HistoryProblem {
    let dir = database.deletingLastPathComponent().path
    return HistoryProblem(
      kind: .unwritable, path: database.path,
      message: "Cannot write the run history database \(database.path): \(reason)."
        + access.consequence,
      remedy: "Make \(database.path) and its directory \(dir) writable by you, "
        + "or point CLUSTER_MGR_STATE_DIR at a writable directory.")
  }

  /// Classifies an error thrown while opening, migrating, reading or writing the database.
  static func classify(
    _ error: any Error, database: URL, access: HistoryAccess, busyTimeout: TimeInterval
  ) -> HistoryProblem {
    if let problem = error as? HistoryProblem { return problem }
    let path = database.path
    let quoted = ShellQuote.quote(path)
    guard let dbError = error as? DatabaseError else {
      return HistoryProblem(
        kind: .failed, path: path,
        message: "The run history database \(path) failed: \(error)." + access.consequence,
        remedy: nil)
    }
    let reason = dbError.message ?? "SQLite error \(dbError.resultCode.rawValue)"
    switch dbError.resultCode {
    case .SQLITE_NOTADB, .SQLITE_CORRUPT, .SQLITE_FORMAT:
      return HistoryProblem(
        kind: .corrupt, path: path,
        message: "The run history database \(path) is damaged or not a SQLite database "
          + "(\(reason))." + access.consequence,
        remedy: "Move it away (mv \(quoted) \(ShellQuote.quote(path + ".broken"))); "
          + "the next run starts a new history.")
    case .SQLITE_BUSY, .SQLITE_LOCKED:
      return HistoryProblem(
        kind: .locked, path: path,
        message: "The run history database \(path) stayed locked by another process for "
          + "more than \(seconds(busyTimeout)) (\(reason))." + access.consequence,
        remedy: "Another cluster-mgr (or a sqlite3 shell) is writing to it: let it finish, "
          + "or find it with `fuser \(quoted)`.")
    case .SQLITE_READONLY, .SQLITE_CANTOPEN, .SQLITE_PERM, .SQLITE_AUTH, .SQLITE_IOERR,
      .SQLITE_FULL:
      return .unwritable(database, reason: reason, access: access)
    default:
      return HistoryProblem(
        kind: .failed, path: path,
        message: "The run history database \(path) failed: \(reason)." + access.consequence,
        remedy: "If this persists, move the file away (mv \(quoted) "
          + "\(ShellQuote.quote(path + ".broken"))); the next run starts a new history.")
    }
  }

  /// `5 s`, `0.2 s`: a busy timeout as people read it.
  private static func seconds(_ value: TimeInterval) -> String {
    value == value.rounded() ? "\(Int(value)) s" : "\(value) s"
  }
}
