import OrderedCollections

/// A position in an inventory source file: 1-based line and column (columns count characters).
public struct SourceLocation: Hashable, Sendable, CustomStringConvertible {
  /// The file as the user named it (relative paths stay relative).
  public var file: String
  /// 1-based line number.
  public var line: Int
  /// 1-based column, in Unicode scalars.
  public var column: Int

  /// A location in `file`.
  public init(file: String, line: Int, column: Int) {
    self.file = file
    self.line = line
    self.column = column
  }

  /// `file:line:col`, the form editors and terminals turn into links.
  public var description: String { "\(file):\(line):\(column)" }
}
