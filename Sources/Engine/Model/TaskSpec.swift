import Basics
import Foundation
/// A named step of a role: one resource plus the tags and handlers that go with it.
public struct TaskSpec: Sendable {
  /// The name shown in progress, recap and history.
  public var name: String
  /// The desired state.
  public var resource: any Resource
  /// Tags of this task (the role's tags are added when selecting).
  public var tags: Set<String>
  /// Handlers (by name, within the role) to run once at the end when this task changes something.
  public var notifies: [String]

  /// A task named `name` that makes `resource` true.
  public init(_ name: String, _ resource: any Resource) {
    self.name = name
    self.resource = resource
    self.tags = []
    self.notifies = []
  }

  /// The same task with extra tags.
  public func tagged(_ tags: String...) -> TaskSpec {
    var copy = self
    copy.tags.formUnion(tags)
    return copy
  }

  /// The same task, notifying `handlers` when it changes something.
  public func notify(_ handlers: String...) -> TaskSpec {
    var copy = self
    copy.notifies.append(contentsOf: handlers)
    return copy
  }
}

/// Shell run once at the end of a host's changes when a task notified it (e.g. restart a service).
public struct Handler: Sendable {
  /// The name tasks notify.
  public var name: String
  /// The shell (runs as root with `set -e`).
  public var script: String
  /// Shell printing diagnostics when the handler fails (e.g. a service's journal tail).
  public var failureDiagnostics: String?

  /// Creates a handler.
  public init(_ name: String, script: String, failureDiagnostics: String? = nil) {
    self.name = name
    self.script = script
    self.failureDiagnostics = failureDiagnostics
  }
}
