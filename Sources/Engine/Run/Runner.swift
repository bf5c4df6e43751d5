import Basics
import Foundation

/// Runs plays over hosts: hosts in parallel up to `--forks`, plays in order, a failed or
/// unreachable host dropped from later plays without stopping the others.
public struct Runner: Sendable {
  let sessions: any HostSessionProvider
  let options: RunOptions
  let observer: any RunObserver
  let redactor: SecretRedactor
  /// Facts published during the run (tokens, kubeconfigs…), readable after it ends.
  public let facts: FactStore

  /// A runner over `sessions`, reporting to `observer`, masking what `redactor` knows.
  public init(
    sessions: any HostSessionProvider, options: RunOptions, observer: any RunObserver,
    redactor: SecretRedactor, facts: FactStore? = nil
  ) {
    self.sessions = sessions
    self.options = options
    self.observer = observer
    self.redactor = redactor
    self.facts = facts ?? FactStore(redactor: redactor)
  }

  /// Runs `plays` in order and reports what happened.
  public func run(_ plays: [Play]) async -> RunReport {
    let started = ContinuousClock.now
    let runID = String(UInt32.random(in: 0...UInt32.max), radix: 16)
    var recaps: [String: HostRecap] = [:]
    var hostOrder: [String] = []
    var results: [TaskResult] = []
    var dropped = Set<String>()
    var aborted = false
    // Work was left undone because of an interruption (a Ctrl-C after the last step is not one).
    var interrupted = false

    for play in plays {
      if isInterrupted { interrupted = true }
      if aborted || interrupted { break }
      let hosts = play.hosts.filter { !dropped.contains($0) }
      for host in play.hosts where recaps[host] == nil {
        recaps[host] = HostRecap(host: host)
        hostOrder.append(host)
      }
      if hosts.isEmpty { continue }
      observer.handle(.playStarted(name: play.name, hosts: hosts))
      let batchSize: Int
      switch play.strategy {
      case .serial(let n): batchSize = max(1, n)
      case .parallel: batchSize = options.serial.map { max(1, $0) } ?? hosts.count
      }
      var playFailures = 0
      var index = 0
      while index < hosts.count && !aborted {
        let batch = Array(hosts[index..<min(hosts.count, index + batchSize)])
        index += batch.count
        let outcomes = await runBatch(play: play, hosts: batch, runID: runID)
        for (host, outcome, hostResults) in outcomes {
          results += hostResults
          var recap = recaps[host] ?? HostRecap(host: host)
          for result in hostResults {
            switch result.status {
            case .ok: recap.ok += 1
            case .changed: recap.changed += 1
            case .skipped: recap.skipped += 1
            case .failed: recap.failed += 1
            case .unreachable: break
            }
          }
          if outcome == .unreachable { recap.unreachable = 1 }
          if outcome == .interrupted { interrupted = true }
          if outcome != .succeeded {
            dropped.insert(host)
            facts.drop(host)
            if outcome != .interrupted { playFailures += 1 }
          }
          recaps[host] = recap
          observer.handle(.hostFinished(play: play.name, host: host, recap: recap))
        }
        if isInterrupted && index < hosts.count {
          // The play's next batches do not start; say so for each of their hosts.
          interrupted = true
          for host in hosts[index...] {
            let result = TaskResult(
              play: play.name, host: host, role: "", task: "not started", status: .skipped,
              summary: "not started: " + options.interruptionReason)
            results.append(result)
            observer.handle(.taskFinished(result))
            recaps[host]?.skipped += 1
          }
          index = hosts.count
        }
        if options.failFast && playFailures > 0 { aborted = true }
        if let max = options.maxFailPercentage, playFailures * 100 > max * hosts.count {
          observer.handle(
            .warning(
              "aborting: \(playFailures) of \(hosts.count) hosts failed in play \"\(play.name)\" (more than --max-fail-percentage \(max)%)"
            ))
          aborted = true
        }
      }
      observer.handle(.playFinished(name: play.name))
    }

    // Round trips of the hosts that were worked on (one never started is not connected now).
    let startedHosts = Set(results.filter { $0.task != "not started" }.map(\.host))
    for host in hostOrder where startedHosts.contains(host) {
      if let session = try? await sessions.session(for: host) {
        recaps[host]?.roundTrips = await session.roundTrips
      }
    }
    let elapsed = ContinuousClock.now - started
    // Hosts that had nothing selected in any play (tags, limits) are not part of the recap.
    let touched = Set(results.map(\.host))
    let report = RunReport(
      recaps: hostOrder.filter(touched.contains).compactMap { recaps[$0] }, results: results,
      duration: elapsed.inSeconds,
      aborted: aborted || interrupted, interrupted: interrupted)
    observer.handle(.runFinished(report))
    return report
  }

  /// Whether the run was asked to stop starting work.
  private var isInterrupted: Bool { options.interruption?.isRequested ?? false }

  /// Runs a host's play between its play's hooks, reporting every result as it comes.
  private static func runHooked(_ run: HostPlayRun, hooks: (any PlayHostHooks)?) async -> (
    HostPlayRun.Outcome, [TaskResult]
  ) {
    let observer = run.observer
    var results: [TaskResult] = []
    if let hooks {
      let before = await hooks.before(host: run.host, play: run.play.name)
      for result in before { observer.handle(.taskFinished(result)) }
      results += before
      if before.contains(where: { $0.status == .failed }) { return (.failed, results) }
    }
    var (outcome, played) = await run.run()
    for result in played { observer.handle(.taskFinished(result)) }
    results += played
    if let hooks {
      let after = await hooks.after(
        host: run.host, play: run.play.name, succeeded: outcome == .succeeded)
      for result in after { observer.handle(.taskFinished(result)) }
      results += after
      if outcome == .succeeded, after.contains(where: { $0.status == .failed }) {
        outcome = .failed
      }
    }
    return (outcome, results)
  }

  /// Runs one batch of hosts concurrently, at most `forks` at a time; results in host order.
  private func runBatch(play: Play, hosts: [String], runID: String) async
    -> [(String, HostPlayRun.Outcome, [TaskResult])]
  {
    await withTaskGroup(of: (Int, HostPlayRun.Outcome, [TaskResult]).self) { group in
      var next = 0
      var collected: [(Int, HostPlayRun.Outcome, [TaskResult])] = []
      var failures = 0
      func start(_ offset: Int) {
        let run = HostPlayRun(
          play: play, host: hosts[offset], options: options, facts: facts, redactor: redactor,
          observer: observer, sessions: sessions, runID: runID)
        group.addTask {
          let (outcome, results) = await Self.runHooked(run, hooks: play.hostHooks)
          return (offset, outcome, results)
        }
      }
      while next < hosts.count && next < max(1, options.forks) && !isInterrupted {
        start(next)
        next += 1
      }
      for await finished in group {
        collected.append(finished)
        if finished.1 != .succeeded && finished.1 != .interrupted { failures += 1 }
        if next < hosts.count && !(options.failFast && failures > 0) && !isInterrupted {
          start(next)
          next += 1
        }
      }
      // Hosts never started because of an interruption or --fail-fast.
      let interrupted = isInterrupted
      for offset in next..<hosts.count {
        let why = interrupted ? options.interruptionReason : "--fail-fast after an earlier failure"
        let result = TaskResult(
          play: play.name, host: hosts[offset], role: "", task: "not started", status: .skipped,
          summary: "not started: " + why)
        // An interrupted run records what it did not start (in the history as well).
        if interrupted { observer.handle(.taskFinished(result)) }
        collected.append((offset, interrupted ? .interrupted : .failed, [result]))
      }
      return collected.sorted { $0.0 < $1.0 }.map { (hosts[$0.0], $0.1, $0.2) }
    }
  }
}
