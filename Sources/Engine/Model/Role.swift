import Basics
import Foundation

/// A named set of tasks and handlers that brings a host into one desired state.
///
/// The task list is built per host when the role's play starts, so it can depend on the host's
/// variables and on facts published by earlier plays (for example the first server's token).
public struct Role: Sendable {
  /// The role's name (also a tag every task carries).
  public var name: String
  /// Tags every task of the role carries.
  public var tags: Set<String>
  /// Handlers tasks of this role may notify.
  public var handlers: [Handler]
  /// Builds the tasks for one host.
  public var tasks: @Sendable (RoleContext) throws -> [TaskSpec]

  /// Creates a role.
  public init(
    _ name: String, tags: Set<String> = [], handlers: [Handler] = [],
    tasks: @escaping @Sendable (RoleContext) throws -> [TaskSpec]
  ) {
    self.name = name
    self.tags = tags
    self.handlers = handlers
    self.tasks = tasks
  }
}

/// What a role sees when it builds its tasks for one host.
public struct RoleContext: Sendable {
  /// The inventory host name.
  public var host: String
  /// Facts published so far in this run, by host.
  public var facts: FactStore.Snapshot
  /// `--check`: nothing will be changed (facts from changes are not available).
  public var checkMode: Bool
  /// The run's facts as they are published, for API tasks that need a fact this play's own
  /// changes publish (the first server's kubeconfig, read right after K3s started).
  public var liveFacts: FactStore?

  /// Creates a context.
  public init(
    host: String, facts: FactStore.Snapshot, checkMode: Bool, liveFacts: FactStore? = nil
  ) {
    self.host = host
    self.facts = facts
    self.checkMode = checkMode
    self.liveFacts = liveFacts
  }
}

/// Roles applied to a set of hosts, in an order the cluster needs.
public struct Play: Sendable {
  /// How the hosts of a play are scheduled.
  public enum Strategy: Sendable, Equatable {
    /// All hosts at once (up to `--forks`).
    case parallel
    /// `n` hosts at a time, a batch finishing before the next starts.
    case serial(Int)
  }

  /// The play's name, shown in progress output.
  public var name: String
  /// Inventory host names, in order.
  public var hosts: [String]
  /// Roles applied to every host, in order.
  public var roles: [Role]
  /// Scheduling of the hosts.
  public var strategy: Strategy
  /// Work done around each host outside it (see ``PlayHostHooks``); nil: none.
  public var hostHooks: (any PlayHostHooks)?

  /// Creates a play.
  public init(_ name: String, hosts: [String], roles: [Role], strategy: Strategy = .parallel) {
    self.name = name
    self.hosts = hosts
    self.roles = roles
    self.strategy = strategy
  }
}
