import Testing

@testable import TerminalUI

@Suite struct ProgressModelTests {
  @Test func countsLikeAnsibleAndDerivesTheFinalPhase() {
    var model = ProgressModel(hosts: ["a", "b", "c"])
    model.apply(.hostStarted(host: "a"), at: .seconds(1))
    model.apply(.taskStarted(host: "a", role: "k3s", task: "install"), at: .seconds(1))
    model.apply(
      .taskFinished(
        host: "a", role: "k3s", task: "install", outcome: .changed, duration: .seconds(2)),
      at: .seconds(3))
    model.apply(
      .taskFinished(host: "a", role: "k3s", task: "config", outcome: .ok, duration: .seconds(1)),
      at: .seconds(4))
    model.apply(
      .taskFinished(host: "a", role: "k3s", task: "gpu", outcome: .skipped, duration: .zero),
      at: .seconds(4))
    model.apply(.hostFinished(host: "a"), at: .seconds(5))
    model.apply(
      .taskFinished(
        host: "b", role: "k3s", task: "install", outcome: .failed, duration: .seconds(1)),
      at: .seconds(2))
    model.apply(.hostFinished(host: "b"), at: .seconds(2))
    model.apply(
      .taskFinished(host: "c", role: "base", task: "probe", outcome: .unreachable, duration: .zero),
      at: .seconds(6))
    model.apply(.hostFinished(host: "c"), at: .seconds(6))

    let a = model.hosts[0]
    #expect(a.counts == TaskCounts(ok: 2, changed: 1, skipped: 1))
    #expect(a.phase == .done)
    #expect(a.elapsed(at: .seconds(100)) == .seconds(4))
    #expect(model.hosts[1].phase == .failed)
    #expect(model.hosts[2].phase == .unreachable)
    #expect(model.hosts[2].counts.unreachable == 1)
  }

  @Test func eventsForUnknownHostsAddThem() {
    var model = ProgressModel(hosts: ["a", "a"])
    #expect(model.hosts.count == 1)
    model.apply(.taskStarted(host: "z", role: "r", task: "t"), at: .zero)
    #expect(model.hosts.map(\.host) == ["a", "z"])
    #expect(model.hosts[1].phase == .running)
  }

  @Test func elapsedRunsUntilFinished() {
    var host = HostProgress(host: "a")
    #expect(host.elapsed(at: .seconds(9)) == .zero)
    host.startedAt = .seconds(2)
    #expect(host.elapsed(at: .seconds(9)) == .seconds(7))
    host.finishedAt = .seconds(5)
    #expect(host.elapsed(at: .seconds(9)) == .seconds(3))
  }

  @Test(arguments: [
    (Duration.milliseconds(0), "0.0s"), (.milliseconds(430), "0.4s"),
    (.milliseconds(12_345), "12.3s"),
    (.seconds(59.99), "59.9s"), (.seconds(125), "2m05s"), (.seconds(3725), "1h02m"),
  ])
  func shortDurations(duration: Duration, text: String) {
    #expect(duration.shortDescription == text)
  }
}

@Suite struct ProgressRenderingTests {
  private static func sampleModel() -> ProgressModel {
    var model = ProgressModel(hosts: ["node-a", "node-b", "gpu-box-1", "node-d", "node-e"])
    model.apply(
      .taskStarted(host: "node-a", role: "k3s", task: "install k3s binary"), at: .seconds(1))
    for _ in 0..<3 {
      model.apply(
        .taskFinished(host: "node-a", role: "k3s", task: "x", outcome: .ok, duration: .zero),
        at: .seconds(1))
    }
    model.apply(
      .taskFinished(
        host: "node-a", role: "k3s", task: "install k3s binary", outcome: .changed, duration: .zero),
      at: .seconds(2))
    model.apply(.taskStarted(host: "node-a", role: "k3s", task: "start k3s"), at: .seconds(2))
    model.apply(.hostStarted(host: "node-b"), at: .seconds(1))
    model.apply(
      .taskFinished(
        host: "node-b", role: "prerequisites", task: "packages", outcome: .ok, duration: .zero),
      at: .seconds(3))
    model.apply(.hostFinished(host: "node-b"), at: .seconds(8.1))
    model.apply(
      .taskFinished(
        host: "gpu-box-1", role: "gpu", task: "nvidia driver", outcome: .failed, duration: .zero),
      at: .seconds(4))
    model.apply(.hostFinished(host: "gpu-box-1"), at: .seconds(4))
    model.apply(
      .taskFinished(
        host: "node-d", role: "prerequisites", task: "probe", outcome: .unreachable, duration: .zero
      ),
      at: .seconds(2))
    model.apply(.hostFinished(host: "node-d"), at: .seconds(2))
    return model
  }

  @Test func liveBlockAt80Columns() {
    let lines = LiveProgressView.lines(
      Self.sampleModel(), now: .seconds(12.3), width: 80, maxLines: 20, tick: 3)
    #expect(lines.allSatisfy { $0.displayWidth <= 79 })
    Golden.check(lines, named: "progress-live-80")
  }

  @Test func liveBlockNarrowDropsCountsThenTimes() {
    let narrow = LiveProgressView.lines(
      Self.sampleModel(), now: .seconds(12.3), width: 50, maxLines: 20, tick: 0)
    #expect(narrow.allSatisfy { $0.displayWidth <= 49 })
    #expect(!narrow[0].contains("ok="))
    #expect(narrow[0].hasSuffix("11.3s"))
    let tiny = LiveProgressView.lines(
      Self.sampleModel(), now: .seconds(12.3), width: 30, maxLines: 20, tick: 0)
    #expect(tiny.allSatisfy { $0.displayWidth <= 29 })
    #expect(!tiny[0].contains("11.3s"))
  }

  @Test func liveBlockColoured() {
    let lines = LiveProgressView.lines(
      Self.sampleModel(), now: .seconds(12.3), width: 80, maxLines: 20, tick: 3, styler: .ansi)
    #expect(
      lines.map { $0.strippingANSI() }
        == LiveProgressView.lines(
          Self.sampleModel(), now: .seconds(12.3), width: 80, maxLines: 20, tick: 3))
    Golden.check(lines, named: "progress-live-80-colour")
  }

  @Test func liveBlockShowsBusyHostsFirstWhenShort() {
    let lines = LiveProgressView.lines(
      Self.sampleModel(), now: .seconds(12.3), width: 80, maxLines: 3, tick: 0)
    #expect(lines.count == 3)
    #expect(lines[0].contains("node-a"))
    #expect(lines[1].contains("gpu-box-1"))
    #expect(lines[2].contains("3 more not shown"))
  }

  @Test func plainLinesPerEvent() {
    let plain = PlainProgress(verbosity: 0)
    let host = HostProgress(
      host: "a", counts: TaskCounts(ok: 3, changed: 1, failed: 1), phase: .failed,
      startedAt: .seconds(1), finishedAt: .seconds(4))
    #expect(plain.lines(for: .hostStarted(host: "a"), host: nil, now: .zero) == [])
    #expect(
      plain.lines(
        for: .taskFinished(host: "a", role: "k3s", task: "config", outcome: .ok, duration: .zero),
        host: nil, now: .zero) == [])
    #expect(
      plain.lines(
        for: .taskFinished(
          host: "a", role: "k3s", task: "install", outcome: .changed, duration: .seconds(1.25)),
        host: nil, now: .zero) == ["a: k3s › install: changed (1.2s)"])
    #expect(
      plain.lines(
        for: .taskFinished(
          host: "a", role: "k3s", task: "start", outcome: .failed, duration: .seconds(0.3),
          detail: "exit status 1\njournal: boom"),
        host: nil, now: .zero) == [
          "a: k3s › start: FAILED (0.3s)", "    exit status 1", "    journal: boom",
        ])
    #expect(
      plain.lines(for: .hostFinished(host: "a"), host: host, now: .seconds(9)) == [
        "a: FAILED ok=3 changed=1 unreachable=0 failed=1 skipped=0 (3.0s)"
      ])
    #expect(
      plain.lines(for: .message(host: "a", text: "x\ny"), host: nil, now: .zero) == [
        "a: x", "a: y",
      ])
    let verbose = PlainProgress(verbosity: 2)
    #expect(verbose.lines(for: .hostStarted(host: "a"), host: nil, now: .zero) == ["a: started"])
    #expect(
      verbose.lines(for: .taskStarted(host: "a", role: "r", task: "t"), host: nil, now: .zero) == [
        "a: r › t …"
      ])
  }

  @Test func aboveALiveBlockOnlyFailuresShowByDefault() {
    let live = PlainProgress(verbosity: 0, isLive: true)
    #expect(
      live.lines(
        for: .taskFinished(host: "a", role: "r", task: "t", outcome: .changed, duration: .zero),
        host: nil, now: .zero) == [])
    #expect(
      live.lines(
        for: .taskFinished(host: "a", role: "r", task: "t", outcome: .unreachable, duration: .zero),
        host: nil, now: .zero
      ).count == 1)
  }

  @Test func recapPlainAndColoured() {
    let hosts = Self.sampleModel().hosts
    let plain = Recap.lines(for: hosts, totalTime: .seconds(62.3))
    #expect(plain[0].count == 80)
    Golden.check(plain, named: "recap")
    let coloured = Recap.lines(for: hosts, totalTime: .seconds(62.3), styler: .ansi)
    #expect(coloured.map { $0.strippingANSI() } == plain)
    Golden.check(coloured, named: "recap-colour")
  }
}

@Suite(.timeLimit(.minutes(1))) struct ProgressDisplayTests {
  @Test func plainModePrintsEventLinesAndTheRecap() {
    let output = OutputBuffer()
    let display = ProgressDisplay(hosts: ["a", "b"], output: output, mode: .plain, styler: .plain)
    display.begin()
    display.handle(.taskStarted(host: "a", role: "r", task: "t"))
    display.handle(
      .taskFinished(host: "a", role: "r", task: "t", outcome: .changed, duration: .zero))
    display.handle(.hostFinished(host: "a"))
    display.log("note")
    display.finish()
    display.handle(.hostFinished(host: "b"))
    let lines = output.contents.split(separator: "\n", omittingEmptySubsequences: false)
    #expect(lines[0] == "a: r › t: changed (0.0s)")
    #expect(lines[1].hasPrefix("a: done ok=1 changed=1"))
    #expect(lines[2] == "note")
    #expect(lines[3].hasPrefix("PLAY RECAP"))
    #expect(lines[4].hasPrefix("a                          : ok=1    changed=1"))
    #expect(lines[5].hasPrefix("b                          : ok=0"))
    #expect(!output.contents.contains("\u{1B}"))
    #expect(display.hosts.map(\.phase) == [.done, .waiting])
  }

  @Test func liveModeRedrawsInPlaceAndLeavesOnlyLogAndRecap() async {
    let output = OutputBuffer()
    let display = ProgressDisplay(
      hosts: ["node-a", "node-b"], output: output,
      mode: .live(size: { TerminalSize(width: 100, height: 12) }), styler: .plain)
    display.begin()
    display.handle(.taskStarted(host: "node-a", role: "k3s", task: "install"))
    #expect(await eventually { output.contents.contains("k3s › install") })
    display.handle(
      .taskFinished(
        host: "node-b", role: "k3s", task: "install", outcome: .failed, duration: .zero,
        detail: "exit status 2"))
    display.handle(.hostFinished(host: "node-b"))
    #expect(await eventually { output.contents.contains("failed: k3s › install") })
    display.finish()

    var screen = ScreenEmulator(width: 100, height: 12)
    screen.feed(output.contents)
    let visible = screen.trimmedLines.filter { !$0.isEmpty }
    #expect(visible[0] == "node-b: k3s › install: FAILED (0.0s)")
    #expect(visible[1] == "    exit status 2")
    #expect(visible[2].hasPrefix("PLAY RECAP"))
    #expect(visible[3].hasPrefix("node-a "))
    #expect(visible[4].hasPrefix("node-b "))
    #expect(visible[5].hasPrefix("total time: "))
    #expect(visible.count == 6)
    #expect(screen.scrolledOff.isEmpty)
  }
}
