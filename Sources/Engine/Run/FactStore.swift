import Basics
import Foundation

/// Facts published during a run (by host), visible to later roles and hosts.
public final class FactStore: @unchecked Sendable {
  /// A read-only copy of the facts at one moment.
  public struct Snapshot: Sendable {
    /// Facts by host, then by name.
    public var byHost: [String: [String: Fact]]
    /// Hosts that failed or were unreachable earlier in the run (dropped from later plays).
    public var droppedHosts: Set<String>

    /// A snapshot holding `byHost`.
    public init(byHost: [String: [String: Fact]], droppedHosts: Set<String> = []) {
      self.byHost = byHost
      self.droppedHosts = droppedHosts
    }

    /// The fact `name` published by `host`.
    public func value(_ name: String, on host: String) -> String? { byHost[host]?[name]?.value }
  }

  private let lock = NSLock()
  private var facts: [String: [String: Fact]] = [:]
  private var dropped: Set<String> = []
  private let redactor: SecretRedactor

  /// A store that registers secret facts with `redactor` as they arrive.
  public init(redactor: SecretRedactor) { self.redactor = redactor }

  /// Publishes `fact` under `name` for `host`.
  public func publish(_ name: String, _ fact: Fact, host: String) {
    if fact.secret { redactor.register(fact.value) }
    lock.lock()
    facts[host, default: [:]][name] = fact
    lock.unlock()
  }

  /// Records that `host` left the run (failed or unreachable).
  public func drop(_ host: String) {
    lock.lock()
    dropped.insert(host)
    lock.unlock()
  }

  /// The facts now.
  public var snapshot: Snapshot {
    lock.lock()
    defer { lock.unlock() }
    return Snapshot(byHost: facts, droppedHosts: dropped)
  }
}
