/// How a run ended, as a whole.
public enum RunOutcome: String, Sendable, Codable, CaseIterable {
  /// Every host did everything asked of it.
  case succeeded
  /// The run failed: every host failed or was unreachable, or it stopped before changing anything.
  case failed
  /// Some hosts succeeded and others failed or were unreachable.
  case partial
  /// Interrupted by the user (Ctrl-C) or a signal.
  case interrupted
}
