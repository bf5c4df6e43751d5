import Basics
import Foundation

/// The API tasks of one play on one host (or on the cluster itself): each planned, reported and
/// applied in turn, so a task plans with what the earlier ones did. `--check` plans only.
struct APITaskRun {
  let play: String
  let host: String
  let options: RunOptions
  let facts: FactStore
  let redactor: SecretRedactor
  let observer: any RunObserver

  /// Runs `tasks` in order; stops at the first failure (later tasks not reached).
  func run(_ tasks: [(role: String, task: TaskSpec)], earlierChanges: Bool) async -> (
    HostPlayRun.Outcome, [TaskResult]
  ) {
    observer.handle(.hostPhase(play: play, host: host, phase: "api"))
    var results: [TaskResult] = []
    var anyChange = earlierChanges
    for (index, entry) in tasks.enumerated() {
      if options.interruption?.isRequested == true {
        results += tasks[index...].map {
          result($0.role, $0.task, .skipped, "not started: " + options.interruptionReason)
        }
        return (.interrupted, results)
      }
      let started = ContinuousClock.now
      do {
        let (taskResult, changed) = try await run(entry.role, entry.task, earlierChanges: anyChange)
        var timed = taskResult
        timed.duration = Self.seconds(since: started)
        results.append(timed)
        anyChange = anyChange || changed
      } catch {
        results.append(failure(entry.role, entry.task, error, started: started))
        results += tasks[(index + 1)...].map {
          result($0.role, $0.task, .skipped, "not reached: an earlier task failed")
        }
        let unreachable = (error as? any OperatorError)?.exitStatus == ExitStatus.unreachable
        return (unreachable ? .unreachable : .failed, results)
      }
    }
    return (.succeeded, results)
  }

  /// Plans one task and, unless in check mode, applies it; the result and whether the task
  /// will change (or changed) something.
  private func run(_ role: String, _ task: TaskSpec, earlierChanges: Bool) async throws -> (
    TaskResult, Bool
  ) {
    guard let resource = task.resource as? any APIResource else {
      throw PlanError("\(task.name) is not an API task")
    }
    let context = PlanContext(
      host: host, checkMode: options.checkMode, diffMode: options.diffMode, redactor: redactor,
      earlierTaskChanges: earlierChanges)
    let planned = try await resource.plan(context)
    let plan = planned.plan
    for (name, fact) in plan.facts { facts.publish(name, fact, host: host) }
    var status: TaskStatus =
      switch plan.decision {
      case .ok: .ok
      case .change: .changed
      case .skip: .skipped
      }
    var summary = plan.summary
    guard plan.decision == .change, !options.checkMode, let apply = planned.apply else {
      if options.checkMode, status == .changed, plan.reportsOwnChange {
        status = .skipped
        summary = "would " + summary
      }
      var planned = result(role, task, status, summary)
      planned.diff = plan.diff
      return (planned, plan.decision == .change)
    }
    observer.handle(.hostPhase(play: play, host: host, phase: "api: \(task.name)"))
    let outcome = try await apply()
    var applied = result(role, task, outcome.changed ? .changed : .ok, summary)
    applied.diff = plan.diff
    applied.output = outcome.output.map(redactor.display)
    return (applied, outcome.changed)
  }

  private func result(_ role: String, _ task: TaskSpec, _ status: TaskStatus, _ summary: String)
    -> TaskResult
  {
    TaskResult(
      play: play, host: host, role: role, task: task.name, status: status,
      summary: redactor.display(summary))
  }

  private func failure(
    _ role: String, _ task: TaskSpec, _ error: any Error, started: ContinuousClock.Instant
  )
    -> TaskResult
  {
    var text = "\(host) / \(role) / \(task.name) failed: "
    if let error = error as? any OperatorError {
      text += error.message
      if let remedy = error.remedy { text += "\n  fix: \(remedy)" }
    } else {
      text += "\(error)"
    }
    let unreachable = (error as? any OperatorError)?.exitStatus == ExitStatus.unreachable
    var failed = result(role, task, unreachable ? .unreachable : .failed, task.name)
    failed.failure = redactor.display(text)
    failed.duration = Self.seconds(since: started)
    return failed
  }

  static func seconds(since start: ContinuousClock.Instant) -> Double {
    let elapsed = ContinuousClock.now - start
    return elapsed.inSeconds
  }
}
