import Basics
import Foundation

/// How a run behaves (the `provision` flags).
public struct RunOptions: Sendable {
  /// `--check`: plan and report, change nothing.
  public var checkMode = false
  /// `--diff`: show unified diffs of files.
  public var diffMode = false
  /// `--forks`: hosts worked on at once.
  public var forks = 20
  /// `--serial`: batch size for plays that would otherwise run all hosts at once.
  public var serial: Int?
  /// `--tags`: only tasks carrying one of these (empty: all).
  public var tags: Set<String> = []
  /// `--skip-tags`: never tasks carrying one of these.
  public var skipTags: Set<String> = []
  /// `--fail-fast`: stop starting new hosts after the first failure.
  public var failFast = false
  /// `--max-fail-percentage`: abort the run when more hosts than this failed in a play.
  public var maxFailPercentage: Int?
  /// Time limit for one host's change script.
  public var applyTimeout: Duration = .seconds(1800)
  /// Checked before every play, host and change script the run would start (Ctrl-C): once
  /// raised, nothing new starts and what runs on hosts finishes; nil: never interrupted.
  public var interruption: Interruption?

  /// Default options.
  public init() {}
}

extension RunOptions {
  /// `interrupted (SIGINT)`: why work is not started once the run was interrupted.
  var interruptionReason: String {
    "interrupted" + (interruption?.signal.map { " (\($0))" } ?? "")
  }
}
