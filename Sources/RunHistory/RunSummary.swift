import Foundation

/// One recorded run, without its task results: a line of `cluster-mgr history`.
public struct RunSummary: Sendable, Equatable, Codable {
  /// The run's number.
  public var id: RunID
  /// The subcommand (`provision`, `run`, …).
  public var command: String
  /// The command line, secrets masked.
  public var commandLine: String
  /// The login name of the person who ran it.
  public var user: String
  /// The workstation it ran on.
  public var machine: String
  /// The inventory file, if any.
  public var inventoryPath: String?
  /// The SHA-256 of the inventory file, if any.
  public var inventorySHA256: String?
  /// Whether it was a check run.
  public var checkMode: Bool
  /// When it started.
  public var startedAt: Date
  /// When it finished; nil while it runs, or when it died without saying how it ended.
  public var finishedAt: Date?
  /// How it ended; nil when it has not (yet) finished.
  public var outcome: RunOutcome?
  /// The recap; for a run that has not finished, the tally of the results recorded so far.
  public var counts: RunCounts
  /// How long it took, in milliseconds; nil until it finishes.
  public var durationMilliseconds: Int64?
  /// The inventory's `cluster_name`; nil for runs recorded without one (before cluster-mgr
  /// recorded it, or commands outside a cluster).
  public var cluster: String?

  /// Creates a summary (the store builds these; public for tests and previews).
  public init(
    id: RunID, command: String, commandLine: String, user: String, machine: String,
    inventoryPath: String?, inventorySHA256: String?, checkMode: Bool, startedAt: Date,
    finishedAt: Date?, outcome: RunOutcome?, counts: RunCounts, durationMilliseconds: Int64?,
    cluster: String? = nil
  ) {
    self.id = id
    self.command = command
    self.commandLine = commandLine
    self.user = user
    self.machine = machine
    self.inventoryPath = inventoryPath
    self.inventorySHA256 = inventorySHA256
    self.checkMode = checkMode
    self.startedAt = startedAt
    self.finishedAt = finishedAt
    self.outcome = outcome
    self.counts = counts
    self.durationMilliseconds = durationMilliseconds
    self.cluster = cluster
  }
}

/// One recorded run with every task result, in the order they were recorded.
public struct RunDetail: Sendable, Equatable, Codable {
  /// The run itself.
  public var run: RunSummary
  /// Its task results, in recording order.
  public var tasks: [TaskRecord]

  /// Pairs a run with its task results.
  public init(run: RunSummary, tasks: [TaskRecord]) {
    self.run = run
    self.tasks = tasks
  }
}
