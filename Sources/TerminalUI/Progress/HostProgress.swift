/// How a task ended on a host.
public enum TaskOutcome: Sendable, Hashable {
  /// Already in the desired state.
  case ok
  /// Changed to reach the desired state.
  case changed
  /// Not run (a condition, a tag, check mode).
  case skipped
  /// Ran and failed.
  case failed
  /// The host could not be reached.
  case unreachable
}

/// Per-host task counts, counted as Ansible's PLAY RECAP does: `ok` includes `changed`.
public struct TaskCounts: Sendable, Hashable {
  /// Tasks that succeeded (changed ones included).
  public var ok: Int
  /// Tasks that changed something.
  public var changed: Int
  /// Tasks that found the host unreachable.
  public var unreachable: Int
  /// Tasks that failed.
  public var failed: Int
  /// Tasks that were skipped.
  public var skipped: Int

  /// Creates counts.
  public init(
    ok: Int = 0, changed: Int = 0, unreachable: Int = 0, failed: Int = 0, skipped: Int = 0
  ) {
    self.ok = ok
    self.changed = changed
    self.unreachable = unreachable
    self.failed = failed
    self.skipped = skipped
  }

  /// Counts one more task that ended with `outcome`.
  public mutating func record(_ outcome: TaskOutcome) {
    switch outcome {
    case .ok: ok += 1
    case .changed:
      ok += 1
      changed += 1
    case .skipped: skipped += 1
    case .failed: failed += 1
    case .unreachable: unreachable += 1
    }
  }
}

/// Where a host is in a run.
public enum HostPhase: Sendable, Hashable {
  /// Not started yet (waiting for a fork or an earlier phase).
  case waiting
  /// Running tasks.
  case running
  /// Finished with no failure.
  case done
  /// Finished with at least one failed task.
  case failed
  /// Could not be reached.
  case unreachable

  /// Whether the host has finished, one way or another.
  public var isFinished: Bool { self == .done || self == .failed || self == .unreachable }
}

/// One host's line of live progress: what it is doing and how it has gone so far.
public struct HostProgress: Sendable, Hashable {
  /// The inventory name.
  public var host: String
  /// The role being applied, once one started.
  public var role: String?
  /// The task being run (or the last one run).
  public var task: String?
  /// Results so far.
  public var counts: TaskCounts
  /// Where the host is.
  public var phase: HostPhase
  /// When the host started, as time since the run started.
  public var startedAt: Duration?
  /// When the host finished, as time since the run started.
  public var finishedAt: Duration?

  /// A host that has not started.
  public init(
    host: String, role: String? = nil, task: String? = nil, counts: TaskCounts = TaskCounts(),
    phase: HostPhase = .waiting, startedAt: Duration? = nil, finishedAt: Duration? = nil
  ) {
    self.host = host
    self.role = role
    self.task = task
    self.counts = counts
    self.phase = phase
    self.startedAt = startedAt
    self.finishedAt = finishedAt
  }

  /// Time spent on this host by `now` (time since the run started); zero before it starts.
  public func elapsed(at now: Duration) -> Duration {
    guard let startedAt else { return .zero }
    return max(.zero, (finishedAt ?? now) - startedAt)
  }
}
