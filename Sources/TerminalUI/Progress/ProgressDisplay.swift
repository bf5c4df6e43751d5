import Dispatch
import Foundation

/// Shows a run's progress: a live block redrawn in place on a terminal, plain lines otherwise.
///
/// Thread-safe: the engine calls ``handle(_:)`` from any thread. Everything else the engine
/// prints while a run is live must go through ``log(_:)`` so that it lands above the block.
public final class ProgressDisplay: @unchecked Sendable {
  /// How progress is shown.
  public enum Mode: Sendable {
    /// A live block on a terminal whose size `size` reports.
    case live(size: @Sendable () -> TerminalSize)
    /// One line per event.
    case plain
  }

  /// How often the live block is redrawn (spinner and elapsed times).
  static let frameInterval: DispatchTimeInterval = .milliseconds(100)

  private let output: any TerminalOutput
  private let mode: Mode
  private let styler: Styler
  private let formatter: PlainProgress
  private let clock = ContinuousClock()
  private let start: ContinuousClock.Instant
  private let lock = NSLock()
  private var model: ProgressModel
  private var block: [String] = []
  private var tick = 0
  private var isFinished = false
  private var timer: (any DispatchSourceTimer)?

  /// A display for a run over `hosts`, writing to `output`.
  public init(
    hosts: [String], output: any TerminalOutput, mode: Mode, styler: Styler, verbosity: Int = 0
  ) {
    self.output = output
    self.mode = mode
    self.styler = styler
    self.model = ProgressModel(hosts: hosts)
    if case .live = mode {
      formatter = PlainProgress(verbosity: verbosity, isLive: true, styler: styler)
    } else {
      formatter = PlainProgress(verbosity: verbosity, isLive: false, styler: styler)
    }
    start = clock.now
  }

  /// A display on standard output: live when it is a terminal (and `TERM` is not `dumb`),
  /// coloured unless `NO_COLOR` says otherwise.
  public static func standardOutput(
    hosts: [String], verbosity: Int = 0,
    environment: [String: String] = ProcessInfo.processInfo.environment
  ) -> ProgressDisplay {
    let output = FileOutput.standardOutput
    let isLive = output.isTerminal && environment["TERM"] != "dumb"
    let mode: Mode =
      isLive
      ? .live(size: { output.terminalSize ?? TerminalSize(width: 80, height: 24) }) : .plain
    return ProgressDisplay(
      hosts: hosts, output: output, mode: mode,
      styler: Styler.detect(isTerminal: output.isTerminal, environment: environment),
      verbosity: verbosity)
  }

  deinit { timer?.cancel() }

  /// Every host's progress so far.
  public var hosts: [HostProgress] { lock.withLock { model.hosts } }

  /// Time since the display was created.
  public var elapsed: Duration { clock.now - start }

  /// Starts redrawing the live block (nothing in plain mode).
  public func begin() {
    guard case .live = mode else { return }
    lock.withLock {
      guard timer == nil, !isFinished else { return }
      let timer = DispatchSource.makeTimerSource(
        queue: DispatchQueue(label: "cluster-mgr.progress"))
      timer.schedule(deadline: .now(), repeating: Self.frameInterval)
      timer.setEventHandler { [weak self] in self?.redraw(advancing: true) }
      timer.resume()
      self.timer = timer
    }
  }

  /// Records `event` and prints what it calls for.
  public func handle(_ event: ProgressEvent) {
    lock.withLock {
      guard !isFinished else { return }
      let now = clock.now - start
      model.apply(event, at: now)
      let host = event.host.flatMap { name in model.hosts.first { $0.host == name } }
      let lines = formatter.lines(for: event, host: host, now: now)
      guard !lines.isEmpty else { return }
      writeAbove(lines)
    }
  }

  /// Prints `text` as is (above the live block on a terminal).
  public func log(_ text: String) { handle(.message(host: nil, text: text)) }

  /// Stops the live block, erases it, and prints the recap (unless `recap` is false).
  public func finish(recap: Bool = true) {
    lock.withLock {
      guard !isFinished else { return }
      isFinished = true
      timer?.cancel()
      timer = nil
      var text = ""
      if case .live = mode {
        text += FrameRenderer.inlineDiff(from: block, to: [])
        block = []
      }
      if recap {
        let lines = Recap.lines(for: model.hosts, totalTime: clock.now - start, styler: styler)
        text += lines.joined(separator: "\n") + "\n"
      }
      if !text.isEmpty { output.write(text) }
    }
  }

  /// Writes permanent `lines`, then the block again below them (called with the lock held).
  private func writeAbove(_ lines: [String]) {
    guard case .live = mode else {
      output.write(lines.joined(separator: "\n") + "\n")
      return
    }
    let next = currentBlock()
    // Go to the top of the block, write the lines over it, then the block below them.
    var text = ANSI.up(block.count) + "\r"
    text += FrameRenderer.inlineDiff(from: [], to: lines + next) + ANSI.eraseToEndOfScreen
    // The permanent lines are no longer part of the block.
    block = next
    output.write(text)
  }

  private func redraw(advancing: Bool) {
    lock.withLock {
      guard !isFinished else { return }
      if advancing { tick += 1 }
      let next = currentBlock()
      let text = FrameRenderer.inlineDiff(from: block, to: next)
      block = next
      if !text.isEmpty { output.write(text) }
    }
  }

  private func currentBlock() -> [String] {
    guard case .live(let size) = mode else { return [] }
    let terminal = size()
    return LiveProgressView.lines(
      model, now: clock.now - start, width: terminal.width,
      maxLines: max(1, terminal.height - 2), tick: tick, styler: styler)
  }
}

extension ProgressEvent {
  /// The host the event is about, if any.
  var host: String? {
    switch self {
    case .hostStarted(let host), .taskStarted(let host, _, _), .hostFinished(let host):
      host
    case .taskFinished(let host, _, _, _, _, _): host
    case .message(let host, _): host
    }
  }
}
