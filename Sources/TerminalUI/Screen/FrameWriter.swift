/// Remembers the frame on screen and writes only what the next frame changes.
public struct FrameWriter: Sendable {
  private var previous: [String]?

  /// Creates a writer for a screen in an unknown state (the first frame repaints everything).
  public init() {}

  /// The bytes that turn the current screen into `frame`; `frame` becomes the current screen.
  public mutating func update(to frame: [String]) -> String {
    defer { previous = frame }
    return FrameRenderer.diff(from: previous, to: frame)
  }

  /// Forgets the screen's contents so that the next frame repaints everything (after a resize).
  public mutating func invalidate() { previous = nil }

  /// Writes to `output` what turns the current screen into `frame` (nothing if unchanged).
  public mutating func draw(_ frame: [String], to output: any TerminalOutput) {
    let bytes = update(to: frame)
    if !bytes.isEmpty { output.write(bytes) }
  }
}
