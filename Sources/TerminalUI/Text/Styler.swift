import Foundation

/// Applies ``Style``s to text, or leaves text alone when colour is off.
///
/// Colour is on for a terminal unless `NO_COLOR` is set (to anything but the empty string) or
/// `TERM` is `dumb`; `FORCE_COLOR`/`CLICOLOR_FORCE` turn it on off a terminal (not over `NO_COLOR`).
public struct Styler: Sendable, Hashable {
  /// Whether escape sequences are written.
  public let isEnabled: Bool

  /// Creates a styler that colours when `isEnabled`.
  public init(isEnabled: Bool) { self.isEnabled = isEnabled }

  /// Never colours.
  public static let plain = Styler(isEnabled: false)
  /// Always colours.
  public static let ansi = Styler(isEnabled: true)

  /// Decides whether to colour output that goes to a terminal (`isTerminal`) under `environment`.
  public static func detect(isTerminal: Bool, environment: [String: String]) -> Styler {
    if let noColor = environment["NO_COLOR"], !noColor.isEmpty { return .plain }
    if environment["TERM"] == "dumb" { return .plain }
    for name in ["FORCE_COLOR", "CLICOLOR_FORCE"] {
      if let value = environment[name], !value.isEmpty, value != "0" { return .ansi }
    }
    return Styler(isEnabled: isTerminal)
  }

  /// Decides whether to colour what is written to file descriptor `fd` (1 is standard output).
  public static func forFileDescriptor(
    _ fd: Int32, environment: [String: String] = ProcessInfo.processInfo.environment
  ) -> Styler {
    detect(isTerminal: Platform.isTerminal(fd), environment: environment)
  }

  /// `text` in `style`, followed by a reset; `text` unchanged when colour is off.
  public func paint(_ text: String, _ style: Style) -> String {
    guard isEnabled, !style.isPlain, !text.isEmpty else { return text }
    return style.sgr + text + ANSI.reset
  }
}
