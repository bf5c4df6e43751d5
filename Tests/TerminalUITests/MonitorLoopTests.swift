import Foundation
import Testing

@testable import TerminalUI

/// A data source whose answers the test scripts, optionally held until released.
final class ScriptedSource: MonitorDataSource, @unchecked Sendable {
  struct Failure: Error, CustomStringConvertible {
    var description: String { "connection refused\nsecond line never shown" }
  }

  private let lock = NSLock()
  private var answers: [Result<MonitorModel, Failure>]
  private var calls = 0
  private var isHeld: Bool
  private var waiting: [CheckedContinuation<Void, Never>] = []

  init(_ answers: [Result<MonitorModel, Failure>], held: Bool = false) {
    self.answers = answers
    isHeld = held
  }

  var callCount: Int { lock.withLock { calls } }

  func release() {
    let resumed: [CheckedContinuation<Void, Never>] = lock.withLock {
      isHeld = false
      defer { waiting = [] }
      return waiting
    }
    for continuation in resumed { continuation.resume() }
  }

  func refresh() async throws -> MonitorModel {
    let answer: Result<MonitorModel, Failure> = lock.withLock {
      calls += 1
      return answers.count > 1 ? answers.removeFirst() : answers[0]
    }
    await withCheckedContinuation { continuation in
      let resumeNow = lock.withLock {
        if isHeld { waiting.append(continuation) }
        return !isHeld
      }
      if resumeNow { continuation.resume() }
    }
    return try answer.get()
  }
}

@Suite(.timeLimit(.minutes(1))) struct MonitorLoopTests {
  typealias F = MonitorFixtures

  private func start(
    _ source: ScriptedSource, _ terminal: FakeTerminal, interval: Duration = .seconds(60)
  ) -> Task<Void, any Error> {
    let loop = MonitorLoop(
      source: source, terminal: terminal, refreshInterval: interval, styler: .plain,
      now: { F.now })
    return Task { try await loop.run() }
  }

  /// Waits for the loop to end; cancels it (which also ends it) if it does not end in time.
  private func finish(_ task: Task<Void, any Error>, _ terminal: FakeTerminal) async throws {
    if !(await eventually { terminal.leaveCount > 0 }) {
      Issue.record("the loop did not end")
      task.cancel()
    }
    try await task.value
  }

  private func screen(_ terminal: FakeTerminal) -> String {
    terminal.screenLines.joined(separator: "\n")
  }

  @Test func refusesToStartWithoutATerminal() async {
    let terminal = FakeTerminal(isInteractive: false)
    let source = ScriptedSource([.success(F.model)])
    let loop = MonitorLoop(source: source, terminal: terminal, styler: .plain)
    await #expect(throws: MonitorError.notATerminal) { try await loop.run() }
    #expect(terminal.enterCount == 0)
    #expect(terminal.output.isEmpty)
    #expect(source.callCount == 0)
    #expect(MonitorError.notATerminal.exitStatus == 3)
    #expect(MonitorError.notATerminal.remedy?.contains("cluster-mgr status") == true)
  }

  @Test func showsTheClusterAndQuitsOnQRestoringTheTerminal() async throws {
    let terminal = FakeTerminal()
    let task = start(ScriptedSource([.success(F.model)]), terminal)
    #expect(await eventually { screen(terminal).contains("gpu-box-1") })
    #expect(terminal.isAlternateScreen)
    #expect(!terminal.isCursorVisible)
    terminal.press(.char("q"))
    try await finish(task, terminal)
    #expect(terminal.enterCount == 1)
    #expect(terminal.leaveCount == 1)
    #expect(!terminal.isAlternateScreen)
    #expect(terminal.isCursorVisible)
  }

  @Test func ctrlCQuits() async throws {
    let terminal = FakeTerminal()
    let task = start(ScriptedSource([.success(F.model)]), terminal)
    #expect(await eventually { screen(terminal).contains("node-a") })
    terminal.press(.ctrlC)
    try await finish(task, terminal)
    #expect(terminal.leaveCount == 1)
  }

  @Test func endOfInputEndsTheLoop() async throws {
    let terminal = FakeTerminal()
    let task = start(ScriptedSource([.success(F.model)]), terminal)
    terminal.closeInput()
    try await finish(task, terminal)
    #expect(terminal.leaveCount == 1)
  }

  @Test func cancellingTheTaskRestoresTheTerminal() async throws {
    let terminal = FakeTerminal()
    let source = ScriptedSource([.success(F.model)], held: true)
    let task = start(source, terminal)
    #expect(await eventually { source.callCount == 1 })
    task.cancel()
    try await finish(task, terminal)
    #expect(!terminal.isAlternateScreen)
    source.release()
  }

  @Test func aRunningRefreshIsNeverStartedTwice() async throws {
    let terminal = FakeTerminal()
    let source = ScriptedSource([.success(F.model)], held: true)
    let task = start(source, terminal, interval: .milliseconds(5))
    #expect(await eventually { source.callCount == 1 })
    #expect(await eventually { screen(terminal).contains("loading…") })
    for _ in 0..<5 { terminal.press(.char("r")) }
    try await Task.sleep(for: .milliseconds(100))
    #expect(source.callCount == 1)
    source.release()
    #expect(await eventually { screen(terminal).contains("node-a") })
    // Periodic refreshes follow once the first one is done.
    #expect(await eventually { source.callCount >= 3 })
    terminal.press(.char("q"))
    try await finish(task, terminal)
  }

  @Test func rRefreshesNow() async throws {
    let terminal = FakeTerminal()
    let source = ScriptedSource([.success(F.model)])
    let task = start(source, terminal)
    #expect(await eventually { screen(terminal).contains("node-a") })
    #expect(source.callCount == 1)
    terminal.press(.char("r"))
    #expect(await eventually { source.callCount == 2 })
    terminal.press(.char("q"))
    try await finish(task, terminal)
  }

  @Test func failedRefreshShowsABannerAndKeepsTheLastState() async throws {
    let terminal = FakeTerminal()
    let source = ScriptedSource([.success(F.model), .failure(ScriptedSource.Failure())])
    let task = start(source, terminal, interval: .milliseconds(5))
    #expect(await eventually { screen(terminal).contains("refresh failed: connection refused") })
    #expect(screen(terminal).contains("gpu-box-1"))
    #expect(!screen(terminal).contains("second line"))
    terminal.press(.char("q"))
    try await finish(task, terminal)
  }

  @Test func anUnreadableHostShowsNAWithItsLastKnownFigures() async throws {
    var stale = F.model
    stale.nodes[0].isReadable = false
    stale.nodes[0].usage = nil
    let terminal = FakeTerminal()
    let source = ScriptedSource([.success(F.model), .success(stale)])
    let task = start(source, terminal, interval: .milliseconds(5))
    #expect(
      await eventually {
        terminal.screenLines.contains { $0.contains("node-a") && $0.contains("N/A") }
      })
    #expect(screen(terminal).contains("last known 2s ago: cpu 12%, memory 3.3/15.5 GiB"))
    terminal.press(.char("q"))
    try await finish(task, terminal)
  }

  @Test func keysNavigateToDetailsAndBack() async throws {
    let terminal = FakeTerminal()
    let task = start(ScriptedSource([.success(F.model)]), terminal)
    #expect(await eventually { screen(terminal).contains("gpu-box-1") })
    terminal.press(.down)
    terminal.press(.enter)
    #expect(await eventually { screen(terminal).contains("Node gpu-box-1") })
    terminal.press(.escape)
    terminal.press(.tab)
    #expect(await eventually { screen(terminal).contains("source-controller") })
    terminal.press(.char("q"))
    try await finish(task, terminal)
  }

  @Test func redrawsOnlyWhatChanges() async throws {
    let terminal = FakeTerminal()
    let task = start(ScriptedSource([.success(F.model)]), terminal)
    #expect(await eventually { screen(terminal).contains("gpu-box-1") })
    try await Task.sleep(for: .milliseconds(50))
    terminal.clearOutput()
    terminal.press(.down)
    #expect(await eventually { terminal.screenLines[3].hasPrefix("> gpu-box-1") })
    let bytes = terminal.output
    #expect(!bytes.contains(ANSI.eraseScreen))
    #expect(bytes.utf8.count < 600)
    terminal.press(.char("q"))
    try await finish(task, terminal)
  }

  @Test func resizeRepaintsAtTheNewSize() async throws {
    let terminal = FakeTerminal()
    let task = start(ScriptedSource([.success(F.model)]), terminal)
    #expect(await eventually { screen(terminal).contains("gpu-box-1") })
    terminal.resize(to: TerminalSize(width: 50, height: 10))
    #expect(
      await eventually {
        terminal.screenLines.first?.hasPrefix("cluster-mgr") == true
          && screen(terminal).contains("gpu-box-1")
      })
    #expect(!screen(terminal).contains("K3S"))
    terminal.press(.char("q"))
    try await finish(task, terminal)
  }
}
