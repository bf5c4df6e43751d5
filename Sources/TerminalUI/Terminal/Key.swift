/// A key press (or a resize) read from a terminal in raw mode.
public enum Key: Sendable, Hashable {
  /// A printable character.
  case char(Character)
  /// Arrow up.
  case up
  /// Arrow down.
  case down
  /// Arrow left.
  case left
  /// Arrow right.
  case right
  /// Home.
  case home
  /// End.
  case end
  /// Page up.
  case pageUp
  /// Page down.
  case pageDown
  /// Forward delete.
  case delete
  /// Return or Enter.
  case enter
  /// Tab.
  case tab
  /// Shift-Tab.
  case backTab
  /// Escape on its own.
  case escape
  /// Backspace (DEL or Ctrl-H).
  case backspace
  /// Ctrl-C (in raw mode it arrives as a key, not as SIGINT).
  case ctrlC
  /// Another control key: Ctrl plus the lowercase letter given (Ctrl-L is `.ctrl("l")`).
  case ctrl(Character)
  /// The terminal changed size.
  case resize
}
