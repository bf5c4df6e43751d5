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

  /// The host's own tasks: probe, plan, one change script.
  private func runOnHost(_ entries: [Entry]) async -> (Outcome, [TaskResult]) {
    var entries = entries
    var results: [TaskResult] = []
    func result(_ entry: Entry, _ status: TaskStatus, _ summary: String, failure: String? = nil)
      -> TaskResult
    {
      TaskResult(
        play: play.name, host: host, role: entry.role.name, task: entry.task.name, status: status,
        summary: redactor.display(summary), failure: failure.map(redactor.redact))
    }

    // Probe: one round trip for every task of every role.
    observer.handle(.hostPhase(play: play.name, host: host, phase: "probe"))
    let planContextBase = PlanContext(
      host: host, checkMode: options.checkMode, diffMode: options.diffMode, redactor: redactor)
    let session: any HostSession
    let probe: ProbeScript.Result
    do {
      session = try await sessions.session(for: host)
      let probes = entries.map { entry in
        let resource = entry.task.resource
        return ProbeScript.Probe(
          script: resource.probeScript(planContextBase),
          statPaths: resource.statPaths(planContextBase), sharesShell: resource.probeSharesShell)
      }
      let output = try await session.runScript(
        ProbeScript.build(probes), after: [], timeout: .seconds(300))
      probe = ProbeScript.parse(output.stdout, probes: probes)
      if !probe.complete || output.exitStatus != 0 {
        let why = output.stderr.isEmpty ? "exit status \(output.exitStatus)" : output.stderr
        return (.failed, [unreachableOrFailed(entries[0], "probe", why, status: .failed)])
      }
    } catch let error as HostUnreachable {
      return (
        .unreachable,
        [unreachableOrFailed(entries[0], error.step, error.message, status: .unreachable)]
      )
    } catch {
      return (
        .unreachable, [unreachableOrFailed(entries[0], "probe", "\(error)", status: .unreachable)]
      )
    }

    // Plan locally, in order, each task seeing what earlier tasks will have done.
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
        results += entries[..<index].map { plannedResult($0) }
        results.append(result(entries[index], .failed, "could not plan", failure: "\(error)"))
        results += entries[(index + 1)...].map {
          result($0, .skipped, "not reached: an earlier task failed")
        }
        return (.failed, results)
      }
    }

    // Handlers: notified by planned changes, or left pending by an earlier failed run.
    var handlerIDs: [String: (role: Role, handler: Handler)] = [:]
    for role in play.roles {
      for handler in role.handlers { handlerIDs[Self.handlerID(role, handler)] = (role, handler) }
    }
    var notified = Set<String>()
    for entry in entries where entry.plan?.decision == .change {
      for name in entry.task.notifies {
        guard let handler = entry.role.handlers.first(where: { $0.name == name }) else {
          return (
            .failed,
            [
              result(
                entry, .failed, "unknown handler",
                failure:
                  "task \(entry.task.name) notifies \(name), which role \(entry.role.name) does not define"
              )
            ]
          )
        }
        notified.insert(Self.handlerID(entry.role, handler))
      }
    }
    let pending = probe.pendingHandlers.intersection(handlerIDs.keys)

    if options.checkMode || (!anyChange && pending.isEmpty) {
      results += entries.map { plannedResult($0) }
      for id in orderedHandlerIDs(notified.union(pending)) {
        let (role, handler) = handlerIDs[id]!
        results.append(
          TaskResult(
            play: play.name, host: host, role: role.name, task: "handler: \(handler.name)",
            status: .changed,
            summary: pending.contains(id) && !notified.contains(id)
              ? "would run (pending from an earlier run)" : "would run", isHandler: true))
      }
      return (.succeeded, results)
    }

    // Interrupted after the probe: the change script does not start, the host stays as it was.
    if options.interruption?.isRequested == true {
      results += entries.map { entry in
        guard entry.plan?.decision == .change else { return plannedResult(entry) }
        return result(entry, .skipped, "not changed: \(options.interruptionReason)")
      }
      return (.interrupted, results)
    }

    // Apply: stream artifacts, then one script for every change and the handlers.
    observer.handle(.hostPhase(play: play.name, host: host, phase: "apply"))
    let stagePrefix = ApplyScript.stageDirectory + "/\(runID)-"
    var staged: [String: StagedFile] = [:]
    for entry in entries where entry.plan?.decision == .change {
      for file in entry.plan?.stagedFiles ?? [] { staged[file.name] = file }
    }
    var steps: [ApplyScript.Step] = []
    var handlersSoFar: [(id: String, index: Int, handler: Handler)] = []
    let orderedHandlers = orderedHandlerIDs(Set(handlerIDs.keys))
    var rolesSeen = Set<String>()
    for (index, entry) in entries.enumerated() {
      rolesSeen.insert(entry.role.name)
      if entry.task.resource is FlushHandlers {
        handlersSoFar = orderedHandlers.enumerated().compactMap { offset, id in
          let value = handlerIDs[id]!
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
    steps.append(.handlers(orderedHandlers.enumerated().map { ($1, $0, handlerIDs[$1]!.handler) }))
    let applied: ApplyScript.Result
    let applyOutput: ScriptOutput
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
      applyOutput = try await session.runScript(
        script, after: uploads, timeout: options.applyTimeout)
      applied = ApplyScript.parse(applyOutput.stdout)
    } catch let error as HostUnreachable {
      results += entries.map {
        result($0, .unreachable, "connection lost while applying: \(error.message)")
      }
      return (.unreachable, results)
    } catch {
      // The change script did not start: an artifact arrived damaged or could not be written.
      results += entries.map { entry in
        guard let plan = entry.plan, plan.decision == .change else { return plannedResult(entry) }
        return result(entry, .failed, plan.summary, failure: "\(error)")
      }
      return (.failed, results)
    }

    // Results in task order.
    var failed = false
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
      guard let outcome = applied.tasks[index] else {
        failed = true
        let why =
          applyOutput.exitSignal.map { "the change script was killed by SIG\($0)" }
          ?? "the change script stopped (exit status \(applyOutput.exitStatus)): \(applyOutput.stderr.suffix(2000))"
        results.append(result(entry, .failed, plan.summary, failure: why))
        continue
      }
      for (name, value) in outcome.facts {
        guard let secret = plan.factsFromChange[name] else { continue }
        facts.publish(name, Fact(value, secret: secret), host: host)
      }
      var taskResult = result(entry, .changed, plan.summary)
      taskResult.duration = Self.seconds(outcome)
      taskResult.diff = plan.diff
      taskResult.output = outcome.output.isEmpty ? nil : redactor.display(outcome.output)
      switch outcome.status {
      case .done(let changed):
        taskResult.status = changed ? .changed : .ok
      case .failed(let exitStatus):
        failed = true
        taskResult.status = .failed
        taskResult.failure = redactor.display(
          failureText(entry, plan: plan, exitStatus: exitStatus, outcome: outcome))
      case .unverified:
        failed = true
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
      results.append(taskResult)
    }
    for (offset, id) in orderedHandlers.enumerated() {
      guard let outcome = applied.handlers[offset], let value = handlerIDs[id] else { continue }
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
    if !failed && !applied.finished {
      failed = true
      results.append(
        TaskResult(
          play: play.name, host: host, role: entries.last?.role.name ?? "", task: "apply",
          status: .failed, summary: "the change script did not finish",
          failure: redactor.display(
            "exit status \(applyOutput.exitStatus): \(applyOutput.stderr.suffix(2000))")))
    }
    return (failed ? .failed : .succeeded, results)
  }

  // MARK: - Helpers

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

  private func orderedHandlerIDs(_ ids: Set<String>) -> [String] {
    var ordered: [String] = []
    for role in play.roles {
      for handler in role.handlers {
        let id = Self.handlerID(role, handler)
        if ids.contains(id) && !ordered.contains(id) { ordered.append(id) }
      }
    }
    return ordered
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
