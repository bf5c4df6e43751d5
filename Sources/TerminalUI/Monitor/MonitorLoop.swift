import Basics
import Foundation

/// Runs the monitor: full screen, a refresh every interval (and on `r`), a frame after every
/// change, until `q` or Ctrl-C; the terminal is restored however it ends.
///
/// At most one refresh runs at a time; the next periodic one starts `refreshInterval` after the
/// previous one finished. Only changed cells are redrawn.
public struct MonitorLoop: Sendable {
  /// Where the data comes from.
  public var source: any MonitorDataSource
  /// The terminal to run in.
  public var terminal: any TerminalIO
  /// Time between the end of one refresh and the start of the next.
  public var refreshInterval: Duration
  /// Colours (off under `NO_COLOR`).
  public var styler: Styler
  /// The current time, for ages.
  public var now: @Sendable () -> Date

  /// Creates a loop over `source` in `terminal`.
  public init(
    source: any MonitorDataSource, terminal: any TerminalIO = SystemTerminal(),
    refreshInterval: Duration = .seconds(5),
    styler: Styler = .detect(isTerminal: true, environment: ProcessInfo.processInfo.environment),
    now: @escaping @Sendable () -> Date = { Date() }
  ) {
    self.source = source
    self.terminal = terminal
    self.refreshInterval = refreshInterval
    self.styler = styler
    self.now = now
  }

  /// Runs until the user quits or input closes; throws ``MonitorError/notATerminal`` without a TTY.
  public func run() async throws {
    guard terminal.isInteractive else { throw MonitorError.notATerminal }
    try await terminal.withFullScreen { await loop() }
  }

  /// What the loop reacts to.
  private enum Event: Sendable {
    case key(Key)
    case tick
    case refreshed(MonitorModel)
    case updated(MonitorModel)
    case refreshFailed(String)
    case inputClosed
  }

  private func loop() async {
    let (events, continuation) = AsyncStream.makeStream(of: Event.self)
    let terminal = terminal
    let source = source
    let keyTask = Task {
      for await key in terminal.keys() { continuation.yield(.key(key)) }
      continuation.yield(.inputClosed)
    }
    let tickInterval = min(refreshInterval, .seconds(1))
    let tickTask = Task {
      while !Task.isCancelled {
        try? await Task.sleep(for: tickInterval)
        continuation.yield(.tick)
      }
    }
    let updateTask = Task {
      for await model in source.updates() { continuation.yield(.updated(model)) }
    }
    var refreshTask: Task<Void, Never>?
    defer {
      keyTask.cancel()
      tickTask.cancel()
      updateTask.cancel()
      refreshTask?.cancel()
      continuation.finish()
    }

    let clock = ContinuousClock()
    var model = MonitorModel.empty
    var state = MonitorState()
    var writer = FrameWriter()
    var size = terminal.size()
    var lastRefreshEnd: ContinuousClock.Instant?

    func startRefresh() {
      guard refreshTask == nil else { return }
      state.isRefreshing = true
      refreshTask = Task {
        do {
          continuation.yield(.refreshed(try await source.refresh()))
        } catch {
          continuation.yield(.refreshFailed(Self.describe(error)))
        }
      }
    }

    startRefresh()
    writer.draw(Monitor.render(model, state, size: size, now: now(), styler: styler), to: terminal)
    events: for await event in events {
      switch event {
      case .key(.resize):
        size = terminal.size()
        writer.invalidate()
      case .key(let key):
        let (next, effect) = Monitor.reduce(state, key, model: model)
        state = next
        switch effect {
        case .none: break
        case .refresh: startRefresh()
        case .repaint: writer.invalidate()
        case .quit: break events
        }
      case .tick:
        if refreshTask == nil, let lastRefreshEnd, clock.now - lastRefreshEnd >= refreshInterval {
          startRefresh()
        }
      case .refreshed(let fresh):
        model = fresh.carryingForward(from: model)
        state.refreshError = nil
        state.isRefreshing = false
        refreshTask = nil
        lastRefreshEnd = clock.now
      case .updated(let fresh):
        model = fresh.carryingForward(from: model)
      case .refreshFailed(let message):
        state.refreshError = message
        state.isRefreshing = false
        refreshTask = nil
        lastRefreshEnd = clock.now
      case .inputClosed:
        break events
      }
      writer.draw(
        Monitor.render(model, state, size: size, now: now(), styler: styler), to: terminal)
    }
  }

  /// One line for the banner: an operator error's message, otherwise the error's description.
  private static func describe(_ error: any Error) -> String {
    if let error = error as? any OperatorError { return error.message }
    return String(describing: error).split(separator: "\n").first.map(String.init)
      ?? "unknown error"
  }
}
