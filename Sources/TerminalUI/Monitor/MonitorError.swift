import Basics

/// Why the monitor cannot run.
public enum MonitorError: OperatorError, Equatable {
  /// Standard input or output is not a terminal.
  case notATerminal

  /// What is wrong.
  public var message: String {
    switch self {
    case .notATerminal:
      "cluster-mgr tui needs an interactive terminal, but standard input or output is not one"
    }
  }

  /// What to do about it.
  public var remedy: String? {
    switch self {
    case .notATerminal:
      "run it directly in a terminal (not through a pipe or redirect); for a one-shot, "
        + "scriptable view use `cluster-mgr status`"
    }
  }

  /// The local environment is not suitable.
  public var exitStatus: Int32 { ExitStatus.environment }
}
