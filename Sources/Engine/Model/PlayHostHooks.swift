import Foundation

/// Work a play does around each of its hosts outside the host itself, such as cordoning and
/// draining a node through the cluster's API before its K3s is upgraded and uncordoning it
/// afterwards.
///
/// The runner calls ``before(host:play:)`` when the host's turn comes (in its batch) and
/// ``after(host:play:succeeded:)`` once the host's play ended. The results both return are
/// reported and recorded like task results of the host; a failed result from `before` fails the
/// host, which then runs nothing of the play.
public protocol PlayHostHooks: Sendable {
  /// Runs before the host's play starts.
  func before(host: String, play: String) async -> [TaskResult]
  /// Runs after the host's play ended; `succeeded` says whether every task succeeded.
  func after(host: String, play: String, succeeded: Bool) async -> [TaskResult]
}
