/// The size of a terminal in character cells.
public struct TerminalSize: Sendable, Hashable, CustomStringConvertible {
  /// Columns.
  public var width: Int
  /// Rows.
  public var height: Int

  /// Creates a size of `width` columns by `height` rows.
  public init(width: Int, height: Int) {
    self.width = width
    self.height = height
  }

  /// `WIDTHxHEIGHT`, such as `80x24`.
  public var description: String { "\(width)x\(height)" }
}

/// Somewhere text for a terminal goes (standard output, standard error, a test buffer).
public protocol TerminalOutput: Sendable {
  /// Writes `text` completely, as UTF-8.
  func write(_ text: String)
}

/// An interactive terminal: what a full-screen program needs, behind one seam for testing.
///
/// ``SystemTerminal`` is the real one; tests use an in-memory implementation.
public protocol TerminalIO: TerminalOutput {
  /// Whether both input and output are a terminal, so a full-screen program can run.
  var isInteractive: Bool { get }

  /// The current size.
  func size() -> TerminalSize

  /// Enters raw mode and the alternate screen with the cursor hidden.
  func enterFullScreen() throws

  /// Restores the terminal as it was before ``enterFullScreen()``; safe to call more than once.
  func leaveFullScreen()

  /// Key presses, with ``Key/resize`` when the size changed, until input closes or the consumer stops.
  func keys() -> AsyncStream<Key>
}

extension TerminalIO {
  /// Runs `body` in full-screen mode and restores the terminal however `body` ends.
  public func withFullScreen<Result>(
    _ body: () async throws -> Result
  ) async throws -> Result {
    try enterFullScreen()
    defer { leaveFullScreen() }
    return try await body()
  }
}
