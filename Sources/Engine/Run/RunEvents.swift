import Basics
import Foundation

/// How a task or handler ended on a host.
public enum TaskStatus: String, Sendable, Codable {
  /// Already as desired.
  case ok
  /// Changed (or, in check mode, would change).
  case changed
  /// Not applicable, not selected, or not reached after a failure.
  case skipped
  /// Failed.
  case failed
  /// The host could not be reached.
  case unreachable
}

/// The result of one task (or handler) on one host.
public struct TaskResult: Sendable {
  /// The play.
  public var play: String
  /// The inventory host name.
  public var host: String
  /// The role.
  public var role: String
  /// The task (or `handler: NAME`).
  public var task: String
  /// How it ended.
  public var status: TaskStatus
  /// What was (or would be) done, one line.
  public var summary: String
  /// A masked unified diff, when `--diff` and content changed.
  public var diff: String?
  /// Masked output of the change (for -v), or the failure's output tail.
  public var output: String?
  /// Why it failed: the step, the command's exit status, stderr tail, diagnostics.
  public var failure: String?
  /// Seconds spent on the host.
  public var duration: Double
  /// This is a handler.
  public var isHandler: Bool

  /// Creates a result.
  public init(
    play: String, host: String, role: String, task: String, status: TaskStatus, summary: String,
    diff: String? = nil, output: String? = nil, failure: String? = nil, duration: Double = 0,
    isHandler: Bool = false
  ) {
    self.play = play
    self.host = host
    self.role = role
    self.task = task
    self.status = status
    self.summary = summary
    self.diff = diff
    self.output = output
    self.failure = failure
    self.duration = duration
    self.isHandler = isHandler
  }
}

/// The per-host tally at the end of a run (Ansible's PLAY RECAP line).
public struct HostRecap: Sendable, Codable {
  /// The inventory host name.
  public var host: String
  /// Tasks already as desired.
  public var ok = 0
  /// Tasks that changed something.
  public var changed = 0
  /// 1 when the host could not be reached.
  public var unreachable = 0
  /// Failed tasks.
  public var failed = 0
  /// Skipped tasks.
  public var skipped = 0
  /// Round trips made to the host.
  public var roundTrips = 0

  /// Creates an empty tally for `host`.
  public init(host: String) { self.host = host }
}

/// Everything a run did.
public struct RunReport: Sendable {
  /// Per-host tallies, in inventory order.
  public var recaps: [HostRecap]
  /// Every task result, in the order they finished.
  public var results: [TaskResult]
  /// Wall time of the run in seconds.
  public var duration: Double
  /// The run was aborted (fail-fast, max-fail-percentage, or interrupted).
  public var aborted: Bool
  /// The run was interrupted (Ctrl-C, SIGTERM): what ran finished, nothing new started.
  public var interrupted = false

  /// Whether every host succeeded.
  public var succeeded: Bool { recaps.allSatisfy { $0.failed == 0 && $0.unreachable == 0 } }
}

/// Something that happened during a run, for progress displays, JSON output and history.
public enum RunEvent: Sendable {
  /// A play began on these hosts.
  case playStarted(name: String, hosts: [String])
  /// A host began a phase of a play (`probe`, `apply`).
  case hostPhase(play: String, host: String, phase: String)
  /// A task or handler finished on a host.
  case taskFinished(TaskResult)
  /// A host finished a play.
  case hostFinished(play: String, host: String, recap: HostRecap)
  /// A play ended.
  case playFinished(name: String)
  /// A warning for people (e.g. the history database is unusable).
  case warning(String)
  /// The run ended.
  case runFinished(RunReport)
}

/// Receives run events; called from many tasks at once, must not block.
public protocol RunObserver: Sendable {
  /// Handles one event.
  func handle(_ event: RunEvent)
}
