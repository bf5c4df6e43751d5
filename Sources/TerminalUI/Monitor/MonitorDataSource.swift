/// Where the monitor's data comes from (ClusterOps reads hosts over SSH, the server, the
/// LocalAPI and the run history).
public protocol MonitorDataSource: Sendable {
  /// Reads everything once. Report what could not be read in the model (an unreadable host,
  /// an unreachable server) rather than by throwing; a thrown error is shown in a banner and
  /// the previous state stays. Should return promptly when the task is cancelled.
  func refresh() async throws -> MonitorModel
}
