import Basics
import Foundation

/// A command run for its effect, guarded like Ansible's `creates` / `unless` / `changed_when`.
public struct RunCommand: Resource {
  /// When the command counts as having changed something.
  public enum ChangedWhen: Sendable {
    /// Every run that executes it changes something.
    case always
    /// It never reports a change (a check, a wait).
    case never
    /// It changed something when its output contains this text.
    case outputContains(String)
  }

  /// The shell to run (as root, `set -e`).
  public var script: String
  /// Skip when this path exists.
  public var creates: String?
  /// Skip when this shell check exits 0.
  public var unless: String?
  /// How a successful run is reported.
  public var changedWhen: ChangedWhen
  /// Shell printing diagnostics when the command fails.
  public var failureDiagnostics: String?
  /// The script holds secrets: never shown in summaries or history.
  public var secret: Bool

  /// Runs `script` unless `creates` exists or `unless` succeeds.
  public init(
    _ script: String, creates: String? = nil, unless: String? = nil,
    changedWhen: ChangedWhen = .always, failureDiagnostics: String? = nil, secret: Bool = false
  ) {
    self.script = script
    self.creates = creates
    self.unless = unless
    self.changedWhen = changedWhen
    self.failureDiagnostics = failureDiagnostics
    self.secret = secret
  }

  public func probeScript(_ context: PlanContext) -> String {
    var lines: [String] = []
    if let creates { lines.append("[ -e \(ShellSnippets.q(creates)) ] && echo creates=exists") }
    if let unless { lines.append("( \(unless) ) >/dev/null 2>&1 </dev/null && echo unless=passed") }
    return lines.joined(separator: "\n")
  }

  public func plan(current: ProbeSection, context: PlanContext) throws -> Plan {
    if let creates, current["creates"] == "exists" { return .ok("\(creates) exists") }
    if unless != nil, current["unless"] == "passed" { return .ok("condition already met") }
    var apply = script
    var ownChange = false
    switch changedWhen {
    case .always: break
    case .never:
      apply += "\necho @@cm-unchanged"
      ownChange = true
    case .outputContains(let needle):
      apply =
        "cm_cmd_out=$( { \(script)\n} 2>&1 )\nprintf '%s\\n' \"$cm_cmd_out\"\n"
        + "case \"$cm_cmd_out\" in *\(ShellSnippets.q(needle))*) ;; *) echo @@cm-unchanged ;; esac"
      ownChange = true
    }
    let shown = secret ? "(command with secrets)" : context.redactor.redact(firstLine(script))
    return Plan(
      .change, "run: \(shown)", apply: apply, failureDiagnostics: failureDiagnostics,
      reportsOwnChange: ownChange)
  }

  private func firstLine(_ text: String) -> String {
    let line = text.split(separator: "\n").first.map(String.init) ?? ""
    return line.count > 80 ? String(line.prefix(77)) + "…" : line
  }
}

/// Waits until a port accepts connections, a file exists, or a command succeeds.
public struct WaitFor: Resource {
  /// What to wait for.
  public enum Condition: Sendable {
    /// A TCP port accepts connections.
    case port(host: String, port: Int)
    /// A path exists.
    case file(String)
    /// A shell check exits 0.
    case command(String)
  }

  /// The condition.
  public var condition: Condition
  /// Give up after this many seconds.
  public var timeoutSeconds: Int

  /// Waits up to `timeoutSeconds` for `condition`.
  public init(_ condition: Condition, timeoutSeconds: Int = 120) {
    self.condition = condition
    self.timeoutSeconds = timeoutSeconds
  }

  var test: String {
    switch condition {
    case .port(let host, let port):
      return "timeout 2 bash -c \(ShellSnippets.q("exec 3<>/dev/tcp/\(host)/\(port)")) 2>/dev/null"
    case .file(let path): return "[ -e \(ShellSnippets.q(path)) ]"
    case .command(let command): return "( \(command) ) >/dev/null 2>&1"
    }
  }

  var label: String {
    switch condition {
    case .port(let host, let port): return "port \(host):\(port)"
    case .file(let path): return path
    case .command(let command): return "`\(command.split(separator: "\n").first ?? "")`"
    }
  }

  public func probeScript(_ context: PlanContext) -> String {
    "if \(test) </dev/null; then echo ready=yes; else echo ready=no; fi"
  }

  public func plan(current: ProbeSection, context: PlanContext) throws -> Plan {
    // After earlier changes in this run (a restart, a new unit) the probe's answer is stale.
    if current["ready"] == "yes" && !context.earlierTaskChanges { return .ok("\(label) ready") }
    let apply = """
      cm_deadline=$(( $(date +%s) + \(timeoutSeconds) ))
      until \(test) </dev/null; do
        if [ "$(date +%s)" -ge "$cm_deadline" ]; then echo \(ShellSnippets.q("timed out after \(timeoutSeconds)s waiting for \(label)")) >&2; exit 1; fi
        sleep 1
      done
      echo @@cm-unchanged
      """
    return Plan(.change, "wait for \(label)", apply: apply, reportsOwnChange: true)
  }
}

/// Reads a file on the host and publishes its content as a fact (a token, a kubeconfig).
public struct Fetch: Resource {
  /// The file to read.
  public var path: String
  /// The fact it becomes.
  public var fact: String
  /// Mask it everywhere.
  public var secret: Bool
  /// A missing file is not an error (the fact is simply not published).
  public var optional: Bool

  /// Publishes the content of `path` as fact `fact`.
  public init(_ path: String, as fact: String, secret: Bool = false, optional: Bool = false) {
    self.path = path
    self.fact = fact
    self.secret = secret
    self.optional = optional
  }

  var readScript: String {
    let p = ShellSnippets.q(path)
    return "if [ -f \(p) ]; then echo \"@@cm-fact \(fact) $(base64 -w0 < \(p))\"; fi"
  }

  public func probeScript(_ context: PlanContext) -> String {
    let p = ShellSnippets.q(path)
    return "[ -f \(p) ] && echo \"content=$(base64 -w0 < \(p))\""
  }

  public func plan(current: ProbeSection, context: PlanContext) throws -> Plan {
    if let data = current.data("content") {
      let value = String(decoding: data, as: UTF8.self).trimmingCharacters(
        in: .whitespacesAndNewlines)
      return .ok("read \(path)", facts: [fact: Fact(value, secret: secret)])
    }
    if context.earlierTaskChanges {
      // The file should appear through this run's changes: read it right after them.
      let check =
        optional
        ? ""
        : "\n[ -f \(ShellSnippets.q(path)) ] || { echo \(ShellSnippets.q("\(path) does not exist")) >&2; exit 1; }"
      var plan = Plan(
        .change, "read \(path)", apply: readScript + check + "\necho @@cm-unchanged",
        reportsOwnChange: true)
      plan.factsFromChange = [fact: secret]
      return plan
    }
    if optional || context.checkMode { return .skip("\(path) does not exist") }
    throw PlanError("\(path) does not exist on \(context.host)")
  }
}

/// Runs the handlers notified so far at this point instead of at the end (Ansible's
/// `meta: flush_handlers`), e.g. to restart a service before waiting for it.
public struct FlushHandlers: Resource {
  /// Creates the marker.
  public init() {}

  public func probeScript(_ context: PlanContext) -> String { "" }

  public func plan(current: ProbeSection, context: PlanContext) throws -> Plan {
    .ok("handlers flushed here")
  }
}

/// A task whose desired state cannot be known (a missing input): it fails when planned, so the
/// failure is reported only if the task is selected to run.
public struct Unsatisfiable: Resource {
  /// Why, and what to do.
  public var reason: String

  /// A task that fails with `reason`.
  public init(_ reason: String) { self.reason = reason }

  public func probeScript(_ context: PlanContext) -> String { "" }

  public func plan(current: ProbeSection, context: PlanContext) throws -> Plan {
    throw PlanError(reason)
  }
}
