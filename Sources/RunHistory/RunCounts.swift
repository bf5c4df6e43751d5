/// The recap of a run: how many hosts took part and how many tasks ended in each status.
public struct RunCounts: Sendable, Equatable, Codable {
  /// Distinct hosts that took part.
  public var hosts: Int
  /// Tasks already in the desired state.
  public var ok: Int
  /// Tasks that changed something (or would have, in check mode).
  public var changed: Int
  /// Tasks that failed.
  public var failed: Int
  /// Tasks not run because their host could not be reached.
  public var unreachable: Int
  /// Tasks skipped (by tags, conditions or an earlier failure).
  public var skipped: Int

  /// Creates a recap; every count defaults to zero.
  public init(
    hosts: Int = 0, ok: Int = 0, changed: Int = 0, failed: Int = 0, unreachable: Int = 0,
    skipped: Int = 0
  ) {
    self.hosts = hosts
    self.ok = ok
    self.changed = changed
    self.failed = failed
    self.unreachable = unreachable
    self.skipped = skipped
  }

  /// Tallies task results: one count per task status, hosts counted once each.
  public init(tallying tasks: some Sequence<TaskRecord>) {
    var tally = Tally()
    for task in tasks { tally.add(task) }
    self = tally.counts
  }
}

/// Counts task results as they arrive.
struct Tally {
  private var hostNames: Set<String> = []
  private(set) var counts = RunCounts()

  mutating func add(_ task: TaskRecord) {
    if hostNames.insert(task.host).inserted { counts.hosts += 1 }
    switch task.status {
    case .ok: counts.ok += 1
    case .changed: counts.changed += 1
    case .failed: counts.failed += 1
    case .unreachable: counts.unreachable += 1
    case .skipped: counts.skipped += 1
    }
  }
}
