import Basics
import Foundation
import Inventory
import RunHistory
import SSHTransport

/// What `cluster-mgr run` was asked to do.
public struct AdHocRequest: Sendable {
  /// The `sh` command line run on each host.
  public var command: String
  /// An Ansible host pattern (`--limit`); nil means every host.
  public var limit: String?
  /// Run as root through sudo.
  public var sudo = false
  /// The time limit per host.
  public var timeout: Duration = .seconds(300)
  /// The most bytes kept of each host's standard output and of its standard error (the last
  /// ones); what came before is dropped and counted.
  public var outputLimit = 1 << 20

  /// A request to run `command` on every host.
  public init(command: String) { self.command = command }
}

/// How the command ended on one host.
public struct AdHocHostResult: Sendable {
  /// How it ended.
  public enum Status: String, Sendable {
    /// Exit status 0.
    case ok
    /// A non-zero exit status, a signal, or sudo refused.
    case failed
    /// Still running at the time limit (and ended).
    case timedOut = "timed out"
    /// No SSH connection.
    case unreachable
    /// Not started: the run was interrupted first.
    case notStarted = "not started"
  }

  /// The inventory name.
  public var host: String
  /// How it ended.
  public var status: Status
  /// The exit status, when the command ran to its end.
  public var exitStatus: Int32?
  /// The signal that ended it, if any.
  public var signal: String?
  /// Standard output (secrets masked).
  public var stdout: String
  /// Standard error (secrets masked).
  public var stderr: String
  /// Bytes of standard output dropped before ``stdout`` (beyond the output limit).
  public var stdoutDropped = 0
  /// Bytes of standard error dropped before ``stderr``.
  public var stderrDropped = 0
  /// Why it did not run or finish (connection, time limit, sudo), if so.
  public var error: String?
  /// How long it took on this host.
  public var duration: Duration
}

/// `cluster-mgr run`: one command on many hosts in parallel, each host's result whole.
public enum AdHocOperation {
  /// The hosts `limit` selects (every host without one).
  public static func hosts(_ request: AdHocRequest, context: ClusterContext) throws -> [String] {
    guard let limit = request.limit, !limit.isEmpty else { return context.nodes.map(\.name) }
    let selected = try context.inventory.selectHosts(limit)
    if selected.isEmpty {
      throw InventoryError(code: "empty-selection", "--limit \(limit) matches no host")
    }
    return selected
  }

  /// Runs the command on `hosts`, `context.sessions.forks` at a time.
  ///
  /// `onResult` sees each host's result as soon as it is complete (one call at a time). Returns
  /// the results in `hosts` order. Recorded in the run history. After an interruption no host
  /// starts any more (those running finish): the others are `notStarted`.
  public static func run(
    _ request: AdHocRequest, hosts: [String], context: ClusterContext,
    commandLine: [String] = CommandLine.arguments, interruption: Interruption = Interruption(),
    onResult: @escaping @Sendable (AdHocHostResult) -> Void
  ) async -> (results: [AdHocHostResult], runID: Int64?, historyWarning: String?) {
    let history = await OperationHistory.begin(
      command: "run", commandLine: commandLine, inventoryPath: context.inventory.path,
      redactor: context.redactor,
      cluster: context.settings.clusterName)
    let step = "run: " + context.redactor.redact(request.command)
    var results = [AdHocHostResult?](repeating: nil, count: hosts.count)
    await withTaskGroup(of: (Int, AdHocHostResult).self) { group in
      var next = 0
      func start() {
        guard next < hosts.count, !interruption.isRequested else { return }
        let index = next
        next += 1
        group.addTask { (index, await runOne(request, host: hosts[index], context: context)) }
      }
      for _ in 0..<min(context.sessions.forks, hosts.count) { start() }
      while let (index, result) = await group.next() {
        results[index] = result
        onResult(result)
        let status: TaskRecord.Status =
          switch result.status {
          case .ok: .changed
          case .failed, .timedOut: .failed
          case .unreachable: .unreachable
          case .notStarted: .skipped
          }
        history.record(
          host: result.host, step: step, status: status,
          started: ContinuousClock.now - result.duration, message: historyMessage(result))
        start()
      }
    }
    let all = results.enumerated().map { index, result in
      result
        ?? AdHocHostResult(
          host: hosts[index], status: .notStarted, stdout: "", stderr: "",
          error: "interrupted" + (interruption.signal.map { " (\($0))" } ?? "")
            + " before it started", duration: .zero)
    }
    let good = all.filter { $0.status == .ok }.count
    let outcome: RunOutcome =
      interruption.isRequested
      ? .interrupted : good == all.count ? .succeeded : (good == 0 ? .failed : .partial)
    let id = await history.finish(outcome)
    return (all, id, history.warning)
  }

  /// What the history keeps of a host's result: the error or exit status, and any cut output.
  static func historyMessage(_ result: AdHocHostResult) -> String? {
    var parts: [String] = []
    if let text = result.error ?? result.exitStatus.map({ "exit status \($0)" }) {
      parts.append(text)
    }
    for (name, dropped) in [("stdout", result.stdoutDropped), ("stderr", result.stderrDropped)]
    where dropped > 0 {
      parts.append("\(name) cut: the first \(dropped) bytes were dropped")
    }
    return parts.isEmpty ? nil : parts.joined(separator: "; ")
  }

  /// The command on one host; never throws.
  static func runOne(_ request: AdHocRequest, host: String, context: ClusterContext) async
    -> AdHocHostResult
  {
    let started = ContinuousClock.now
    func result(_ status: AdHocHostResult.Status, error: String?, _ exec: ExecResult? = nil)
      -> AdHocHostResult
    {
      AdHocHostResult(
        host: host, status: status, exitStatus: exec?.exitSignal == nil ? exec?.exitStatus : nil,
        signal: exec?.exitSignal,
        stdout: exec.map { context.redactor.redact($0.stdoutText) } ?? "",
        stderr: exec.map { context.redactor.redact($0.stderrText) } ?? "",
        stdoutDropped: exec?.stdoutDropped ?? 0, stderrDropped: exec?.stderrDropped ?? 0,
        error: error.map(context.redactor.redact), duration: started.duration(to: .now))
    }
    do {
      let connection = try await context.connection(to: host)
      var command = RemoteCommand.script(
        request.command, sudo: request.sudo, timeout: request.timeout, step: "command")
      command.outputLimit = request.outputLimit
      let exec = try await connection.execute(command)
      return result(exec.succeeded ? .ok : .failed, error: nil, exec)
    } catch let error as SSHError {
      switch error.kind {
      case .unreachable: return result(.unreachable, error: error.reason)
      case .timeout: return result(.timedOut, error: error.reason)
      default: return result(.failed, error: error.reason)
      }
    } catch {
      return result(.failed, error: RemoveNodeOperation.describe(error))
    }
  }

  /// 0 when every host succeeded; 1 when a command failed or timed out; 4 when hosts were only
  /// unreachable; 130 when the run was interrupted before every host started.
  public static func exitStatus(_ results: [AdHocHostResult]) -> Int32 {
    if results.contains(where: { $0.status == .notStarted }) { return ExitStatus.interrupted }
    if results.contains(where: { $0.status == .failed || $0.status == .timedOut }) {
      return ExitStatus.failure
    }
    if results.contains(where: { $0.status == .unreachable }) { return ExitStatus.unreachable }
    return ExitStatus.success
  }
}
