import Basics
import Foundation
import RunHistory

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Who holds a lock on a cluster: written into the lock files, read back to name the holder.
///
/// The text is `key=value` lines (`user`, `machine`, `pid`, `command`, `started`, `token`) under
/// a comment line; values never hold a line break. `token` is random per command: a command
/// removes a cluster lock only while it still holds its own token.
public struct LockOwner: Sendable, Equatable {
  /// The login name of the person who ran the command.
  public var user: String
  /// The workstation it runs on.
  public var machine: String
  /// Its process id on that workstation.
  public var pid: Int32
  /// Its command line (secrets masked).
  public var command: String
  /// When it took the lock.
  public var started: Date
  /// Identifies this command's lock.
  public var token: String

  /// Describes an owner.
  public init(
    user: String, machine: String, pid: Int32, command: String, started: Date, token: String
  ) {
    self.user = Self.oneLine(user)
    self.machine = Self.oneLine(machine)
    self.pid = pid
    self.command = Self.oneLine(command)
    self.started = started
    self.token = Self.oneLine(token)
  }

  /// This process, running `command`, from now.
  public static func current(command: String) -> LockOwner {
    LockOwner(
      user: RunMetadata.currentUser, machine: RunMetadata.currentMachine, pid: getpid(),
      command: command, started: Date(),
      token: FileHash.randomHex(bytes: 16))
  }

  /// `cluster-mgr provision --limit x`: the program's own name, then the arguments as typed.
  public static func commandText(_ arguments: [String], redactor: SecretRedactor) -> String {
    guard let program = arguments.first else { return "cluster-mgr" }
    let name = (program as NSString).lastPathComponent
    return redactor.redact(ShellQuote.join([name] + arguments.dropFirst()))
  }

  /// The lock file's content.
  public var text: String {
    """
    # cluster-mgr lock: held while a cluster-mgr command changes this cluster
    user=\(user)
    machine=\(machine)
    pid=\(pid)
    command=\(command)
    started=\(Self.timestamp(started))
    token=\(token)

    """
  }

  /// Reads a lock file's content back; nil when it names no owner (empty, or not a lock file).
  public init?(text: String) {
    var values: [String: String] = [:]
    for line in text.split(separator: "\n") where !line.hasPrefix("#") {
      guard let equals = line.firstIndex(of: "=") else { continue }
      values[String(line[..<equals])] = String(line[line.index(after: equals)...])
    }
    guard let user = values["user"], let machine = values["machine"],
      let pid = values["pid"].flatMap({ Int32($0) })
    else { return nil }
    let started = values["started"].flatMap { ISO8601DateFormatter().date(from: $0) }
    self.init(
      user: user, machine: machine, pid: pid, command: values["command"] ?? "",
      started: started ?? .distantPast, token: values["token"] ?? "")
  }

  /// `alice@laptop (pid 4242)`.
  public var holder: String { "\(user)@\(machine) (pid \(pid))" }

  /// `alice@laptop (pid 4242), since 2026-11-23T10:15:02Z (3m ago): cluster-mgr provision`;
  /// the age is `age` when given (measured on the host), else from `started` to `now`.
  public func describe(now: Date = Date(), age: TimeInterval? = nil) -> String {
    let seconds = age ?? now.timeIntervalSince(started)
    let since =
      started == .distantPast
      ? "" : ", since \(Self.timestamp(started)) (\(AgeText.kubectlStyle(seconds)) ago)"
    return holder + since + (command.isEmpty ? "" : ": " + command)
  }

  /// `2026-11-23T10:15:02Z`.
  static func timestamp(_ date: Date) -> String {
    ISO8601DateFormatter().string(from: date)
  }

  /// `text` with every control character (line breaks included) replaced by a space.
  static func oneLine(_ text: String) -> String {
    String(
      text.unicodeScalars.map { $0.properties.generalCategory == .control ? " " : Character($0) })
  }
}
