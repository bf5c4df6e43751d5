/// One of the eight basic terminal colours, or gray (bright black).
public enum Color: Sendable, Hashable, CaseIterable {
  case black, red, green, yellow, blue, magenta, cyan, white, gray

  /// The SGR code that sets this colour as foreground.
  var foregroundCode: Int {
    switch self {
    case .black: 30
    case .red: 31
    case .green: 32
    case .yellow: 33
    case .blue: 34
    case .magenta: 35
    case .cyan: 36
    case .white: 37
    case .gray: 90
    }
  }

  /// The SGR code that sets this colour as background.
  var backgroundCode: Int { foregroundCode + 10 }
}

/// How text looks on a terminal: colours plus bold, dim, underline and inverse video.
///
/// Styles combine with `+`: `Style.red + .bold`. The right-hand side wins for colours.
public struct Style: Sendable, Hashable {
  /// Text attributes that combine freely.
  public struct Attributes: OptionSet, Sendable, Hashable {
    /// The attribute bits.
    public let rawValue: UInt8
    /// Creates attributes from their raw bits.
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    /// Bold (increased intensity).
    public static let bold = Attributes(rawValue: 1 << 0)
    /// Dim (decreased intensity).
    public static let dim = Attributes(rawValue: 1 << 1)
    /// Underlined.
    public static let underline = Attributes(rawValue: 1 << 2)
    /// Foreground and background swapped.
    public static let inverse = Attributes(rawValue: 1 << 3)
  }

  /// The text colour; `nil` keeps the terminal's default.
  public var foreground: Color?
  /// The background colour; `nil` keeps the terminal's default.
  public var background: Color?
  /// Bold, dim, underline, inverse.
  public var attributes: Attributes

  /// Creates a style.
  public init(foreground: Color? = nil, background: Color? = nil, attributes: Attributes = []) {
    self.foreground = foreground
    self.background = background
    self.attributes = attributes
  }

  /// The terminal's default look.
  public static let plain = Style()
  /// Bold text.
  public static let bold = Style(attributes: .bold)
  /// Dim text.
  public static let dim = Style(attributes: .dim)
  /// Underlined text.
  public static let underline = Style(attributes: .underline)
  /// Inverse video.
  public static let inverse = Style(attributes: .inverse)
  /// Red text.
  public static let red = Style(foreground: .red)
  /// Green text.
  public static let green = Style(foreground: .green)
  /// Yellow text.
  public static let yellow = Style(foreground: .yellow)
  /// Blue text.
  public static let blue = Style(foreground: .blue)
  /// Magenta text.
  public static let magenta = Style(foreground: .magenta)
  /// Cyan text.
  public static let cyan = Style(foreground: .cyan)
  /// Gray text.
  public static let gray = Style(foreground: .gray)

  /// Whether this style changes nothing.
  public var isPlain: Bool { self == .plain }

  /// Both styles together; colours of `rhs` replace those of `lhs` where set.
  public static func + (lhs: Style, rhs: Style) -> Style {
    Style(
      foreground: rhs.foreground ?? lhs.foreground,
      background: rhs.background ?? lhs.background,
      attributes: lhs.attributes.union(rhs.attributes))
  }

  /// The SGR escape sequence that switches from the default look to this style ("" when plain).
  var sgr: String {
    var codes: [Int] = []
    if attributes.contains(.bold) { codes.append(1) }
    if attributes.contains(.dim) { codes.append(2) }
    if attributes.contains(.underline) { codes.append(4) }
    if attributes.contains(.inverse) { codes.append(7) }
    if let foreground { codes.append(foreground.foregroundCode) }
    if let background { codes.append(background.backgroundCode) }
    guard !codes.isEmpty else { return "" }
    return ANSI.csi + codes.map(String.init).joined(separator: ";") + "m"
  }
}
