/// The escape sequences cluster-mgr writes to terminals.
public enum ANSI {
  /// The control sequence introducer, `ESC [`.
  public static let csi = "\u{1B}["
  /// Resets colours and attributes.
  public static let reset = csi + "0m"
  /// Erases from the cursor to the end of the line.
  public static let eraseToEndOfLine = csi + "K"
  /// Erases from the cursor to the end of the screen.
  public static let eraseToEndOfScreen = csi + "J"
  /// Erases the whole screen (the cursor stays).
  public static let eraseScreen = csi + "2J"
  /// Moves the cursor to the top-left corner.
  public static let home = csi + "H"
  /// Hides the cursor.
  public static let hideCursor = csi + "?25l"
  /// Shows the cursor.
  public static let showCursor = csi + "?25h"
  /// Switches to the alternate screen buffer (the normal screen is kept for later).
  public static let enterAlternateScreen = csi + "?1049h"
  /// Switches back to the normal screen buffer.
  public static let leaveAlternateScreen = csi + "?1049l"

  /// Moves the cursor to a 0-based `row` and `column`.
  public static func moveTo(row: Int, column: Int) -> String {
    csi + "\(row + 1);\(column + 1)H"
  }

  /// Moves the cursor up `count` lines (nothing when `count` is 0).
  public static func up(_ count: Int) -> String { count > 0 ? csi + "\(count)A" : "" }

  /// Moves the cursor down `count` lines without scrolling (nothing when `count` is 0).
  public static func down(_ count: Int) -> String { count > 0 ? csi + "\(count)B" : "" }

  /// Moves the cursor right `count` columns (nothing when `count` is 0).
  public static func right(_ count: Int) -> String { count > 0 ? csi + "\(count)C" : "" }

  /// What a full-screen program writes on start: alternate screen, hidden cursor, cleared.
  static let fullScreenOn = enterAlternateScreen + hideCursor + reset + home + eraseScreen
  /// What a full-screen program writes on exit: default look, visible cursor, normal screen.
  static let fullScreenOff = reset + showCursor + leaveAlternateScreen
}
