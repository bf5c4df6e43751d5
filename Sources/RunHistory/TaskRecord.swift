/// The result of one task on one host, as the history keeps it.
public struct TaskRecord: Sendable, Equatable, Codable {
  /// How a task ended on a host.
  public enum Status: String, Sendable, Codable, CaseIterable {
    /// Already in the desired state; nothing done.
    case ok
    /// Changed something (in check mode: would have).
    case changed
    /// Not run (tags, conditions, an earlier failure on the host).
    case skipped
    /// Ran and failed.
    case failed
    /// The host could not be reached.
    case unreachable
  }

  /// The inventory name of the host.
  public var host: String
  /// The role the task belongs to (empty for ad-hoc commands).
  public var role: String
  /// The task's name.
  public var task: String
  /// How it ended.
  public var status: Status
  /// How long it took, in milliseconds.
  public var durationMilliseconds: Int64
  /// A one-line explanation (the error for a failure), already masked by the caller.
  public var message: String?
  /// The unified diff of what changed, already masked by the caller.
  public var diff: String?

  /// Creates a task result.
  public init(
    host: String, role: String, task: String, status: Status, durationMilliseconds: Int64,
    message: String? = nil, diff: String? = nil
  ) {
    self.host = host
    self.role = role
    self.task = task
    self.status = status
    self.durationMilliseconds = durationMilliseconds
    self.message = message
    self.diff = diff
  }

  /// Creates a task result from a measured `Duration`.
  public init(
    host: String, role: String, task: String, status: Status, duration: Duration,
    message: String? = nil, diff: String? = nil
  ) {
    self.init(
      host: host, role: role, task: task, status: status,
      durationMilliseconds: duration.milliseconds, message: message, diff: diff)
  }

  /// The same result with every string passed through `mask`.
  func masked(_ mask: (String) -> String) -> TaskRecord {
    TaskRecord(
      host: mask(host), role: mask(role), task: mask(task), status: status,
      durationMilliseconds: durationMilliseconds, message: message.map(mask), diff: diff.map(mask))
  }
}

extension Duration {
  /// The duration in whole milliseconds (rounded down).
  var milliseconds: Int64 {
    let (seconds, attoseconds) = components
    return seconds * 1000 + attoseconds / 1_000_000_000_000_000
  }
}
