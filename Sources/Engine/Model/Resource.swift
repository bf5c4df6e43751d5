import Basics
import Foundation

/// A piece of desired state on a host (a file, a package, a service…).
///
/// A resource never runs anything itself: it writes a read-only probe (shell), decides locally
/// from the probe's output what must change, and hands back the shell that makes the change.
/// The engine batches probes and changes of many resources into one remote command each.
public protocol Resource: Sendable {
  /// Shell that prints the current state (runs as root with `sh`; must change nothing).
  func probeScript(_ context: PlanContext) -> String
  /// What must change, given what the probe printed.
  func plan(current: ProbeSection, context: PlanContext) throws -> Plan
  /// Paths the probe looks up with `cm_stat_of`: the engine reads all of a host's with one
  /// `find` before any probe runs, so a probe that finds them there starts no process.
  func statPaths(_ context: PlanContext) -> [String]
  /// The probe only sets variables and calls the engine's shell functions (no `exit`, `cd` or
  /// `set`): it runs in the probe's own shell rather than in a subshell of its own.
  var probeSharesShell: Bool { get }
}

extension Resource {
  public func statPaths(_ context: PlanContext) -> [String] { [] }
  public var probeSharesShell: Bool { false }
}

/// What a resource decided: nothing to do, a change (with the shell that makes it), or a skip.
public struct Plan: Sendable {
  /// The decision.
  public enum Decision: Sendable, Equatable {
    /// Already as desired.
    case ok
    /// Must change; ``Plan/apply`` makes the change.
    case change
    /// Not applicable (the reason is the summary).
    case skip
  }

  /// The decision.
  public var decision: Decision
  /// One line for people: what is (or would be) done.
  public var summary: String
  /// A unified diff of file content, already masked when secret.
  public var diff: String?
  /// Shell that makes the change (runs as root in a subshell with `set -e`).
  public var apply: String?
  /// Shell that exits 0 when the change took effect (run right after ``apply``).
  public var verify: String?
  /// Local files streamed to the host before the change script runs.
  public var stagedFiles: [StagedFile]
  /// Shell printing diagnostics when the change fails (e.g. a service's journal).
  public var failureDiagnostics: String?
  /// The change script decides itself whether it changed anything (prints `@@cm-unchanged`).
  public var reportsOwnChange: Bool
  /// Values this task makes known to later roles and hosts (e.g. a token read from a server).
  public var facts: [String: Fact]
  /// The facts the change script may print (`@@cm-fact NAME BASE64`), each with whether it is a
  /// secret: any other fact a host prints is ignored (a node cannot make up facts).
  public var factsFromChange: [String: Bool] = [:]

  /// Creates a plan.
  public init(
    _ decision: Decision, _ summary: String, diff: String? = nil, apply: String? = nil,
    verify: String? = nil, stagedFiles: [StagedFile] = [], failureDiagnostics: String? = nil,
    reportsOwnChange: Bool = false, facts: [String: Fact] = [:]
  ) {
    self.decision = decision
    self.summary = summary
    self.diff = diff
    self.apply = apply
    self.verify = verify
    self.stagedFiles = stagedFiles
    self.failureDiagnostics = failureDiagnostics
    self.reportsOwnChange = reportsOwnChange
    self.facts = facts
  }

  /// Nothing to do.
  public static func ok(_ summary: String, facts: [String: Fact] = [:]) -> Plan {
    Plan(.ok, summary, facts: facts)
  }

  /// Not applicable here.
  public static func skip(_ reason: String) -> Plan { Plan(.skip, reason) }
}

/// A local file the engine streams to a host before the change script runs.
public struct StagedFile: Sendable, Hashable {
  /// The file on the workstation.
  public var localPath: String
  /// Its sha256 (hex), checked on the host before use.
  public var sha256: String
  /// Where the change script finds it on the host (`$cm_stage/<name>`).
  public var name: String

  /// Creates a staged file record.
  public init(localPath: String, sha256: String, name: String) {
    self.localPath = localPath
    self.sha256 = sha256
    self.name = name
  }
}

/// A value a task publishes for later roles (a token, a kubeconfig…).
public struct Fact: Sendable, Hashable {
  /// The value.
  public var value: String
  /// Secret values are masked wherever they would be shown or stored.
  public var secret: Bool

  /// Creates a fact.
  public init(_ value: String, secret: Bool = false) {
    self.value = value
    self.secret = secret
  }
}

/// What a resource may consult while planning.
public struct PlanContext: Sendable {
  /// The inventory host name.
  public var host: String
  /// `--check`: nothing will be changed.
  public var checkMode: Bool
  /// `--diff`: file diffs are wanted.
  public var diffMode: Bool
  /// Masks secrets in summaries and diffs.
  public var redactor: SecretRedactor
  /// Some earlier task on this host will change something in this run.
  public var earlierTaskChanges: Bool
  /// File contents as earlier tasks of this host plan to leave them.
  public var overlay: FileOverlay

  /// Creates a context.
  public init(
    host: String, checkMode: Bool = false, diffMode: Bool = false,
    redactor: SecretRedactor = SecretRedactor(), earlierTaskChanges: Bool = false,
    overlay: FileOverlay = FileOverlay()
  ) {
    self.host = host
    self.checkMode = checkMode
    self.diffMode = diffMode
    self.redactor = redactor
    self.earlierTaskChanges = earlierTaskChanges
    self.overlay = overlay
  }
}

/// A failure while planning (bad desired state, unreadable probe output).
public struct PlanError: OperatorError, Sendable {
  /// What is wrong.
  public var message: String
  /// What to do about it.
  public var remedy: String?
  /// Creates the error.
  public init(_ message: String, remedy: String? = nil) {
    self.message = message
    self.remedy = remedy
  }
  public var exitStatus: Int32 { ExitStatus.invalidInput }
}
