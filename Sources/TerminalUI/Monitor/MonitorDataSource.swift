/// Where the monitor's data comes from (ClusterOps reads hosts over SSH, the server, the
/// LocalAPI and the run history).
public protocol MonitorDataSource: Sendable {
  /// Reads everything once. Report what could not be read in the model (an unreadable host,
  /// an unreachable server) rather than by throwing; a thrown error is shown in a banner and
  /// the previous state stays. Should return promptly when the task is cancelled.
  func refresh() async throws -> MonitorModel
  /// Models that arrive between refreshes (see the extension's default: none).
  func updates() -> AsyncStream<MonitorModel>
}

extension MonitorDataSource {
  /// What arrives between refreshes (a new Kubernetes event from a watch): each element is the
  /// whole model as it is now; the loop draws it at once. By default nothing arrives.
  public func updates() -> AsyncStream<MonitorModel> {
    AsyncStream { $0.finish() }
  }
}
