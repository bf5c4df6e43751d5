import Basics
import Foundation

/// Desired state reached through an API (the cluster's Kubernetes API) rather than a host's
/// shell: it reads what it needs itself, decides, and makes the change with requests.
///
/// Tasks with API resources come after a role's host tasks: the engine runs a host's probe and
/// change script first, then plans and applies each API task in order (see ``Play``). A play whose
/// tasks are all API resources needs no SSH session at all.
public protocol APIResource: Resource {
  /// Reads the current state and decides what must change (nothing is changed here; in check
  /// mode only this runs).
  func plan(_ context: PlanContext) async throws -> APIPlan
}

extension APIResource {
  public func probeScript(_ context: PlanContext) -> String { "" }

  public func plan(current: ProbeSection, context: PlanContext) throws -> Plan {
    throw PlanError("\(type(of: self)) works through the cluster's API, not in a host's shell")
  }
}

/// What an API resource decided, and the requests that make the change.
public struct APIPlan: Sendable {
  /// The decision, summary, diff and facts (as for a host's resources).
  public var plan: Plan
  /// Makes the change; returns whether anything changed and what to show for it.
  public var apply: (@Sendable () async throws -> APIOutcome)?

  /// Creates a plan.
  public init(_ plan: Plan, apply: (@Sendable () async throws -> APIOutcome)? = nil) {
    self.plan = plan
    self.apply = apply
  }

  /// Nothing to do.
  public static func ok(_ summary: String, facts: [String: Fact] = [:]) -> APIPlan {
    APIPlan(.ok(summary, facts: facts))
  }

  /// Not applicable here.
  public static func skip(_ reason: String) -> APIPlan { APIPlan(.skip(reason)) }
}

/// What applying an API task did.
public struct APIOutcome: Sendable {
  /// Whether anything changed (a wait that found its condition changed nothing).
  public var changed: Bool
  /// What to show for it (`-v`, the history).
  public var output: String?

  /// Creates an outcome.
  public init(changed: Bool, output: String? = nil) {
    self.changed = changed
    self.output = output
  }
}
