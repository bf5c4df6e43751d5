import Basics
import Foundation
import SSHTransport

/// One host going through one play: build tasks, probe (one round trip), plan locally,
/// stream artifacts, apply every change and the handlers (one round trip), report.
struct HostPlayRun {
  let play: Play
  let host: String
  let options: RunOptions
  let facts: FactStore
  let redactor: SecretRedactor
  let observer: any RunObserver
  let sessions: any HostSessionProvider
  let runID: String

  enum Outcome { case succeeded, failed, unreachable, interrupted }

  struct Entry {
    let role: Role
    let task: TaskSpec
    var plan: Plan?
  }

  /// Runs the play on the host; returns how it ended and its results in task order.
  ///
  /// Tasks on the host itself come first (one probe, one change script); tasks that work through
  /// the cluster's API (``APIResource``) follow, each planned and applied in turn once the host's
  /// own changes are made (a node restarted, then its readiness seen through the API).
  func run() async -> (Outcome, [TaskResult]) {
    let entries: [Entry]
    switch buildEntries() {
    case .success(let built): entries = built
    case .failure(let failure): return (.failed, [failure.result])
    }
    let firstAPI = entries.firstIndex { $0.task.resource is any APIResource } ?? entries.count
    let hostEntries = Array(entries[..<firstAPI])
    let apiEntries = Array(entries[firstAPI...])
    if let misplaced = apiEntries.first(where: { !($0.task.resource is any APIResource) }) {
      let failure = TaskResult(
        play: play.name, host: host, role: misplaced.role.name, task: misplaced.task.name,
        status: .failed, summary: "could not order the role's tasks",
        failure:
          "\(misplaced.task.name) runs on \(host) but follows a task that works through the API")
      return (.failed, [failure])
    }
    var (outcome, results) = hostEntries.isEmpty ? (.succeeded, []) : await runOnHost(hostEntries)
    guard !apiEntries.isEmpty else { return (outcome, results) }
    guard outcome == .succeeded else {
      results += apiEntries.map {
        TaskResult(
          play: play.name, host: host, role: $0.role.name, task: $0.task.name, status: .skipped,
          summary: "not reached: an earlier task failed")
      }
      return (outcome, results)
    }
    let api = APITaskRun(
      play: play.name, host: host, options: options, facts: facts, redactor: redactor,
      observer: observer)
    let (apiOutcome, apiResults) = await api.run(
      apiEntries.map { ($0.role.name, $0.task) },
      earlierChanges: results.contains { $0.status == .changed })
    outcome = apiOutcome
    return (outcome, results + apiResults)
  }

  /// A role that could not build its tasks.
  struct BuildFailure: Error { let result: TaskResult }

  /// The tasks of every role for this host, as the tags select them.
  private func buildEntries() -> Result<[Entry], BuildFailure> {
    var entries: [Entry] = []
    let selection = TagSelection(include: options.tags, exclude: options.skipTags)
    let context = RoleContext(
      host: host, facts: facts.snapshot, checkMode: options.checkMode, liveFacts: facts)
    for role in play.roles {
      do {
        for task in try role.tasks(context) where selection.selects(task, in: role) {
          entries.append(Entry(role: role, task: task))
        }
      } catch {
        return .failure(
          BuildFailure(
            result: TaskResult(
              play: play.name, host: host, role: role.name, task: "prepare tasks", status: .failed,
              summary: "could not build the role's tasks",
              failure: redactor.display("\(role.name): \(error)"))))
      }
    }
    return .success(entries)
  }

  /// A phase that ends the host's run early, with how it ended and every result so far.
  struct Stop: Error {
    let outcome: Outcome
    let results: [TaskResult]
    init(_ outcome: Outcome, _ results: [TaskResult]) {
      self.outcome = outcome
      self.results = results
    }
  }

  /// The host's own tasks, phase by phase: connect and probe (one round trip), plan locally,
  /// resolve handlers, then either report (check mode, nothing to do, interrupted) or apply
  /// (one round trip) and read back what each change and handler did.
  private func runOnHost(_ entries: [Entry]) async -> (Outcome, [TaskResult]) {
    do throws(Stop) {
      let (session, probe) = try await connectAndProbe(entries)
      let planned = try plan(entries, probe: probe)
      let handlers = try resolveHandlers(planned, pendingOnHost: probe.pendingHandlers)
      let anyChange = planned.contains { $0.plan?.decision == .change }
      if options.checkMode || (!anyChange && handlers.pending.isEmpty) {
        return (.succeeded, reportWithoutApplying(planned, handlers))
      }
      // Interrupted after the probe: the change script does not start, the host stays as it was.
      if options.interruption?.isRequested == true {
        return (.interrupted, reportInterrupted(planned))
      }
      let applied = try await apply(planned, handlers, on: session)
      return verify(planned, handlers, applied)
    } catch {
      return (error.outcome, error.results)
    }
  }

  // MARK: - Connect and probe

  /// Opens the host's session and runs every task's probe in one script.
  private func connectAndProbe(_ entries: [Entry]) async throws(Stop) -> (
    any HostSession, ProbeScript.Result
  ) {
    observer.handle(.hostPhase(play: play.name, host: host, phase: "probe"))
    let context = planContextBase
    do {
      let session = try await sessions.session(for: host)
      let probes = entries.map { entry in
        let resource = entry.task.resource
        return ProbeScript.Probe(
          script: resource.probeScript(context),
          statPaths: resource.statPaths(context), sharesShell: resource.probeSharesShell)
      }
      let output = try await session.runScript(
        ProbeScript.build(probes), after: [], timeout: .seconds(300))
      let probe = ProbeScript.parse(output.stdout, probes: probes)
      if !probe.complete || output.exitStatus != 0 {
        let why = output.stderr.isEmpty ? "exit status \(output.exitStatus)" : output.stderr
        throw Stop(.failed, [unreachableOrFailed(entries[0], "probe", why, status: .failed)])
      }
      return (session, probe)
    } catch let stop as Stop {
      throw stop
    } catch let error as HostUnreachable {
      throw Stop(
        .unreachable,
        [unreachableOrFailed(entries[0], error.step, error.message, status: .unreachable)])
    } catch {
      throw Stop(
        .unreachable, [unreachableOrFailed(entries[0], "probe", "\(error)", status: .unreachable)])
    }
  }

  private var planContextBase: PlanContext {
    PlanContext(
      host: host, checkMode: options.checkMode, diffMode: options.diffMode, redactor: redactor)
  }

  // MARK: - Plan

  /// Plans every task locally, in order, each seeing what earlier tasks will have done;
  /// publishes the facts plans produce.
  private func plan(_ entries: [Entry], probe: ProbeScript.Result) throws(Stop) -> [Entry] {
    var entries = entries
    let overlay = FileOverlay()
    var anyChange = false
    for index in entries.indices {
      var context = planContextBase
      context.overlay = overlay
      context.earlierTaskChanges = anyChange
      do {
        let plan = try entries[index].task.resource.plan(
          current: probe.sections[index] ?? ProbeSection(""), context: context)
        entries[index].plan = plan
        for (name, fact) in plan.facts { facts.publish(name, fact, host: host) }
        if plan.decision == .change { anyChange = true }
      } catch {
        var results = entries[..<index].map { plannedResult($0) }
        results.append(result(entries[index], .failed, "could not plan", failure: "\(error)"))
        results += entries[(index + 1)...].map {
          result($0, .skipped, "not reached: an earlier task failed")
        }
        throw Stop(.failed, results)
      }
    }
    return entries
  }

  // MARK: - Handlers

  /// The play's handlers by ID, those the planned changes notify, and those an earlier failed
  /// run left pending on the host.
  struct HandlerTable {
    /// Every handler of the play by ID.
    let byID: [String: (role: Role, handler: Handler)]
    /// Every handler of the play, in role and declaration order.
    let ordered: [String]
    /// Handlers that planned changes notify.
    let notified: Set<String>
    /// Handlers an earlier run left pending on the host.
    let pending: Set<String>

    /// `ids` in the play's order.
    func inOrder(_ ids: Set<String>) -> [String] { ordered.filter(ids.contains) }
  }

  /// The play's handlers, those the planned changes notify (a task naming a handler its role
  /// does not define stops the host) and those pending on the host.
  private func resolveHandlers(_ entries: [Entry], pendingOnHost: Set<String>) throws(Stop)
    -> HandlerTable
  {
    var byID: [String: (role: Role, handler: Handler)] = [:]
    var ordered: [String] = []
    for role in play.roles {
      for handler in role.handlers {
        let id = Self.handlerID(role, handler)
        byID[id] = (role, handler)
        if !ordered.contains(id) { ordered.append(id) }
      }
    }
    var notified = Set<String>()
    for entry in entries where entry.plan?.decision == .change {
      for name in entry.task.notifies {
        guard let handler = entry.role.handlers.first(where: { $0.name == name }) else {
          throw Stop(
            .failed,
            [
              result(
                entry, .failed, "unknown handler",
                failure:
                  "task \(entry.task.name) notifies \(name), which role \(entry.role.name) does not define"
              )
            ])
        }
        notified.insert(Self.handlerID(entry.role, handler))
      }
    }
    return HandlerTable(
      byID: byID, ordered: ordered, notified: notified,
      pending: pendingOnHost.intersection(byID.keys))
  }

  // MARK: - Report without applying

  /// Check mode, or nothing to change and no handler pending: every plan as it stands and the
  /// handlers that would run.
  private func reportWithoutApplying(_ entries: [Entry], _ handlers: HandlerTable) -> [TaskResult] {
    var results = entries.map { plannedResult($0) }
    for id in handlers.inOrder(handlers.notified.union(handlers.pending)) {
      let (role, handler) = handlers.byID[id]!
      results.append(
        TaskResult(
          play: play.name, host: host, role: role.name, task: "handler: \(handler.name)",
          status: .changed,
          summary: handlers.pending.contains(id) && !handlers.notified.contains(id)
            ? "would run (pending from an earlier run)" : "would run", isHandler: true))
    }
    return results
  }

  /// Interrupted before the change script: planned changes are reported as not made.
  private func reportInterrupted(_ entries: [Entry]) -> [TaskResult] {
    entries.map { entry in
      guard entry.plan?.decision == .change else { return plannedResult(entry) }
      return result(entry, .skipped, "not changed: \(options.interruptionReason)")
    }
  }

  // MARK: - Apply

  /// What the change script reported, and how it ended.
  struct Applied {
    let result: ApplyScript.Result
    let output: ScriptOutput
  }

  /// Streams the artifacts, then runs one script for every change and the handlers.
  private func apply(_ entries: [Entry], _ handlers: HandlerTable, on session: any HostSession)
    async throws(Stop) -> Applied
  {
    observer.handle(.hostPhase(play: play.name, host: host, phase: "apply"))
    let stagePrefix = ApplyScript.stageDirectory + "/\(runID)-"
    var staged: [String: StagedFile] = [:]
    for entry in entries where entry.plan?.decision == .change {
      for file in entry.plan?.stagedFiles ?? [] { staged[file.name] = file }
    }
    let steps = applySteps(entries, handlers)
    do {
      let uploads = staged.values.sorted(by: { $0.name < $1.name }).map {
        StagedUpload(
          localFile: URL(fileURLWithPath: $0.localPath), remotePath: stagePrefix + $0.name,
          sha256: $0.sha256)
      }
      let names = uploads.map(\.localFile.lastPathComponent)
      observer.handle(
        .hostPhase(
          play: play.name, host: host,
          phase: names.isEmpty ? "apply" : "upload \(names.joined(separator: ", ")) and apply"))
      let script = ApplyScript.build(
        steps: steps, stagePrefix: stagePrefix, staged: Array(staged.values))
      let output = try await session.runScript(
        script, after: uploads, timeout: options.applyTimeout)
      return Applied(result: ApplyScript.parse(output.stdout), output: output)
    } catch let error as HostUnreachable {
      throw Stop(
        .unreachable,
        entries.map {
          result($0, .unreachable, "connection lost while applying: \(error.message)")
        })
    } catch {
      // The change script did not start: an artifact arrived damaged or could not be written.
      throw Stop(
        .failed,
        entries.map { entry in
          guard let plan = entry.plan, plan.decision == .change else {
            return plannedResult(entry)
          }
          return result(entry, .failed, plan.summary, failure: "\(error)")
        })
    }
  }

  /// The change script's steps: each planned change with the handlers it notifies, the
  /// handlers at each flush point (those of the roles seen so far), and every handler at the end.
  private func applySteps(_ entries: [Entry], _ handlers: HandlerTable) -> [ApplyScript.Step] {
    var steps: [ApplyScript.Step] = []
    var rolesSeen = Set<String>()
    for (index, entry) in entries.enumerated() {
      rolesSeen.insert(entry.role.name)
      if entry.task.resource is FlushHandlers {
        let handlersSoFar = handlers.ordered.enumerated().compactMap {
          offset, id -> (id: String, index: Int, handler: Handler)? in
          let value = handlers.byID[id]!
          return rolesSeen.contains(value.role.name) ? (id, offset, value.handler) : nil
        }
        if !handlersSoFar.isEmpty { steps.append(.handlers(handlersSoFar)) }
        continue
      }
      guard let plan = entry.plan, plan.decision == .change else { continue }
      let ids = entry.task.notifies.compactMap { name in
        entry.role.handlers.first { $0.name == name }.map { Self.handlerID(entry.role, $0) }
      }
      steps.append(.task(index: index, plan: plan, notifies: ids))
    }
    steps.append(
      .handlers(handlers.ordered.enumerated().map { ($1, $0, handlers.byID[$1]!.handler) }))
    return steps
  }

  // MARK: - Verify and record

  /// The results in task order, from what the change script reported: each change done,
  /// failed or not verified, facts it published, then each handler, then whether the script
  /// finished.
  private func verify(_ entries: [Entry], _ handlers: HandlerTable, _ applied: Applied)
    -> (Outcome, [TaskResult])
  {
    var (failed, results) = taskResults(entries, applied)
    let (handlersFailed, handlerResults) = handlerResults(handlers, applied.result)
    failed = failed || handlersFailed
    results += handlerResults
    if !failed && !applied.result.finished {
      failed = true
      results.append(
        TaskResult(
          play: play.name, host: host, role: entries.last?.role.name ?? "", task: "apply",
          status: .failed, summary: "the change script did not finish",
          failure: redactor.display(
            "exit status \(applied.output.exitStatus): \(applied.output.stderr.suffix(2000))")))
    }
    return (failed ? .failed : .succeeded, results)
  }

  /// Each task's result; after the first failure, the rest are not reached.
  private func taskResults(_ entries: [Entry], _ applied: Applied) -> (
    failed: Bool, [TaskResult]
  ) {
    var failed = false
    var results: [TaskResult] = []
    for (index, entry) in entries.enumerated() {
      guard let plan = entry.plan else { continue }
      if failed {
        results.append(result(entry, .skipped, "not reached: an earlier task failed"))
        continue
      }
      if plan.decision != .change || entry.task.resource is FlushHandlers {
        results.append(plannedResult(entry))
        continue
      }
      guard let outcome = applied.result.tasks[index] else {
        failed = true
        let output = applied.output
        let why =
          output.exitSignal.map { "the change script was killed by SIG\($0)" }
          ?? "the change script stopped (exit status \(output.exitStatus)): \(output.stderr.suffix(2000))"
        results.append(result(entry, .failed, plan.summary, failure: why))
        continue
      }
      for (name, value) in outcome.facts {
        guard let secret = plan.factsFromChange[name] else { continue }
        facts.publish(name, Fact(value, secret: secret), host: host)
      }
      let taskResult = changeResult(entry, plan: plan, outcome: outcome)
      if taskResult.status == .failed { failed = true }
      results.append(taskResult)
    }
    return (failed, results)
  }

  /// One change's result: done (changed or not), failed, or not verified.
  private func changeResult(_ entry: Entry, plan: Plan, outcome: ApplyScript.Outcome)
    -> TaskResult
  {
    var taskResult = result(entry, .changed, plan.summary)
    taskResult.duration = Self.seconds(outcome)
    taskResult.diff = plan.diff
    taskResult.output = outcome.output.isEmpty ? nil : redactor.display(outcome.output)
    switch outcome.status {
    case .done(let changed):
      taskResult.status = changed ? .changed : .ok
    case .failed(let exitStatus):
      taskResult.status = .failed
      taskResult.failure = redactor.display(
        failureText(entry, plan: plan, exitStatus: exitStatus, outcome: outcome))
    case .unverified:
      taskResult.status = .failed
      var text =
        "\(host) / \(entry.role.name) / \(entry.task.name) failed: the change ran but the result does not match the desired state (\(plan.summary))\n  check: \(plan.verify ?? "")"
      if !outcome.output.isEmpty { text += "\n  output: \(outcome.output.suffix(1500))" }
      if let diagnostics = outcome.diagnostics, !diagnostics.isEmpty {
        text +=
          "\n  diagnostics:\n"
          + diagnostics.split(separator: "\n").map { "    " + $0 }.joined(separator: "\n")
      }
      taskResult.failure = redactor.display(text)
    }
    return taskResult
  }

  /// Each handler the change script ran: ran, not needed, or failed.
  private func handlerResults(_ handlers: HandlerTable, _ applied: ApplyScript.Result) -> (
    failed: Bool, [TaskResult]
  ) {
    var failed = false
    var results: [TaskResult] = []
    for (offset, id) in handlers.ordered.enumerated() {
      guard let outcome = applied.handlers[offset], let value = handlers.byID[id] else { continue }
      var handlerResult = TaskResult(
        play: play.name, host: host, role: value.role.name, task: "handler: \(value.handler.name)",
        status: .changed, summary: "ran", duration: Self.seconds(outcome), isHandler: true)
      if case .done(changed: false) = outcome.status {
        handlerResult.status = .ok
        handlerResult.summary = redactor.display(
          outcome.output.split(separator: "\n").first.map(String.init) ?? "not needed")
      }
      if case .failed(let exitStatus) = outcome.status {
        failed = true
        handlerResult.status = .failed
        handlerResult.failure = redactor.display(
          "\(host) / \(value.role.name) / handler \(value.handler.name) failed (exit status \(exitStatus))\n  command: \(value.handler.script.split(separator: "\n").first ?? "")\n  output: \(outcome.output.suffix(1500))"
            + (outcome.diagnostics.map { "\n  diagnostics:\n\($0)" } ?? ""))
      }
      results.append(handlerResult)
    }
    return (failed, results)
  }

  // MARK: - Helpers

  private func result(
    _ entry: Entry, _ status: TaskStatus, _ summary: String, failure: String? = nil
  ) -> TaskResult {
    TaskResult(
      play: play.name, host: host, role: entry.role.name, task: entry.task.name, status: status,
      summary: redactor.display(summary), failure: failure.map(redactor.redact))
  }

  private func plannedResult(_ entry: Entry) -> TaskResult {
    let plan = entry.plan
    var status: TaskStatus
    var summary = plan?.summary ?? ""
    switch plan?.decision {
    case .ok?: status = .ok
    case .change?: status = .changed
    case .skip?, nil: status = .skipped
    }
    if options.checkMode, status == .changed, plan?.reportsOwnChange == true {
      // Waits and reads decide at run time whether they changed anything: in check mode they
      // are steps that would run, not changes.
      status = .skipped
      summary = "would " + summary
    }
    return TaskResult(
      play: play.name, host: host, role: entry.role.name, task: entry.task.name, status: status,
      summary: redactor.display(summary), diff: plan?.diff)
  }

  private func unreachableOrFailed(
    _ entry: Entry, _ step: String, _ message: String, status: TaskStatus
  )
    -> TaskResult
  {
    TaskResult(
      play: play.name, host: host, role: entry.role.name, task: step, status: status,
      summary: status == .unreachable ? "unreachable" : "\(step) failed",
      failure: redactor.display(
        "\(host): \(step): \(message.trimmingCharacters(in: .whitespacesAndNewlines))"))
  }

  /// The first line of a change script, up to a here-document (whose body may be a file's
  /// content, base64 or not: never shown) and at most 200 characters.
  static func commandLine(of script: String) -> String {
    var line =
      script.split(separator: "\n").first {
        !$0.trimmingCharacters(in: .whitespaces).hasPrefix("#")
      }.map(String.init) ?? ""
    if let heredoc = line.range(of: "<<") { line = String(line[..<heredoc.lowerBound]) + "<<…" }
    return line.count > 200 ? String(line.prefix(200)) + "…" : line
  }

  private func failureText(
    _ entry: Entry, plan: Plan, exitStatus: Int32, outcome: ApplyScript.Outcome
  )
    -> String
  {
    var text =
      "\(host) / \(entry.role.name) / \(entry.task.name) failed (exit status \(exitStatus))"
    text += "\n  command: \(Self.commandLine(of: plan.apply ?? ""))"
    let tail = outcome.output.trimmingCharacters(in: .whitespacesAndNewlines)
    if !tail.isEmpty {
      text +=
        "\n  output:\n"
        + tail.suffix(2000).split(separator: "\n").map { "    " + $0 }.joined(separator: "\n")
    }
    if let diagnostics = outcome.diagnostics, !diagnostics.isEmpty {
      text +=
        "\n  diagnostics:\n"
        + diagnostics.split(separator: "\n").map { "    " + $0 }.joined(separator: "\n")
    }
    return text
  }

  static func handlerID(_ role: Role, _ handler: Handler) -> String {
    let raw = role.name + "." + handler.name
    return String(raw.map { $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" ? $0 : "_" })
  }

  static func seconds(_ outcome: ApplyScript.Outcome) -> Double {
    guard let start = outcome.startedAt, let end = outcome.endedAt, end >= start else { return 0 }
    return Double(end - start) / 1e9
  }
}
