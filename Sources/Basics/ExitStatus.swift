/// The exit statuses every cluster-mgr command uses (documented in docs/cli.md).
public enum ExitStatus {
  /// Everything asked for succeeded.
  public static let success: Int32 = 0
  /// The operation ran and something failed: a host failed, drift was found, a check did not pass.
  public static let failure: Int32 = 1
  /// The input was wrong: usage, an invalid inventory, a bad value. Nothing was changed.
  public static let invalidInput: Int32 = 2
  /// The local environment is not ready: tailscaled not running, logged out or stopped.
  public static let environment: Int32 = 3
  /// At least one host could not be reached (and none failed otherwise).
  public static let unreachable: Int32 = 4
  /// Interrupted by the user (Ctrl-C).
  public static let interrupted: Int32 = 130
}
