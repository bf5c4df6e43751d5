/// Something that happened during a run, as the engine reports it to the progress display.
public enum ProgressEvent: Sendable, Hashable {
  /// A host began its work.
  case hostStarted(host: String)
  /// A task began on a host.
  case taskStarted(host: String, role: String, task: String)
  /// A task ended on a host; `detail` explains a failure or an unreachable host.
  case taskFinished(
    host: String, role: String, task: String, outcome: TaskOutcome, duration: Duration,
    detail: String? = nil)
  /// A host finished; its phase follows from its counts (unreachable, failed, else done).
  case hostFinished(host: String)
  /// A line to show as is (a warning, a diff, verbose output), optionally about one host.
  case message(host: String?, text: String)
}
