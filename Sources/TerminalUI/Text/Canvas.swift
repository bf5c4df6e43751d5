/// A grid of terminal cells that screens draw into, then turn into styled lines.
///
/// Drawing clips at the edges and keeps wide characters whole: overwriting half of one blanks
/// the other half.
struct Canvas: Equatable {
  /// One column of the grid.
  struct Cell: Equatable {
    /// The grapheme shown here ("" for the right half of a wide character).
    var text: String
    /// How it looks.
    var style: Style
    /// Whether this cell is the right half of the wide character to its left.
    var isContinuation: Bool

    /// A blank cell.
    static let blank = Cell(text: " ", style: .plain, isContinuation: false)
  }

  /// Columns.
  let width: Int
  /// Rows.
  let height: Int
  /// The cells, row by row.
  private(set) var rows: [[Cell]]

  /// A blank canvas of `width` × `height` cells.
  init(width: Int, height: Int) {
    self.width = max(0, width)
    self.height = max(0, height)
    rows = Array(repeating: Array(repeating: .blank, count: self.width), count: self.height)
  }

  /// Draws `text` at `row`, `column` in `style`, within `limit` columns; returns the column after.
  @discardableResult
  mutating func draw(
    _ text: String, row: Int, column: Int, style: Style = .plain, limit: Int? = nil
  ) -> Int {
    guard row >= 0, row < height, column >= 0 else { return column }
    let end = min(width, column + (limit ?? width))
    var position = column
    for token in text.ansiTokens {
      guard case .character(let character) = token else { continue }
      let characterWidth = character.terminalWidth
      if characterWidth == 0 { continue }
      guard position + characterWidth <= end else { break }
      unsplit(row: row, column: position)
      if characterWidth == 2 { unsplit(row: row, column: position + 1) }
      rows[row][position] = Cell(text: String(character), style: style, isContinuation: false)
      if characterWidth == 2 {
        rows[row][position + 1] = Cell(text: "", style: style, isContinuation: true)
      }
      position += characterWidth
    }
    return position
  }

  /// Blanks `columns` of `row` (the whole row by default) in `style`.
  mutating func fill(row: Int, columns: Range<Int>? = nil, style: Style = .plain) {
    guard row >= 0, row < height else { return }
    let range = (columns ?? 0..<width).clamped(to: 0..<width)
    for column in range {
      unsplit(row: row, column: column)
      rows[row][column] = Cell(text: " ", style: style, isContinuation: false)
    }
  }

  /// Changes the style of every cell in `row` through `transform`.
  mutating func restyle(row: Int, _ transform: (Style) -> Style) {
    guard row >= 0, row < height else { return }
    for column in 0..<width { rows[row][column].style = transform(rows[row][column].style) }
  }

  /// Copies `other` onto this canvas with its top-left corner at `row`, `column`.
  ///
  /// The area must lie inside this canvas; cells outside are left out.
  mutating func paste(_ other: Canvas, row: Int, column: Int) {
    let columns = max(0, column)..<min(width, column + other.width)
    guard !columns.isEmpty else { return }
    for sourceRow in 0..<other.height {
      let targetRow = row + sourceRow
      guard targetRow >= 0, targetRow < height else { continue }
      unsplit(row: targetRow, column: columns.lowerBound)
      unsplit(row: targetRow, column: columns.upperBound - 1)
      for targetColumn in columns {
        rows[targetRow][targetColumn] = other.rows[sourceRow][targetColumn - column]
      }
    }
  }

  /// The rows as strings, styled through `styler`; each is exactly `width` columns wide.
  func lines(styler: Styler) -> [String] {
    rows.map { cells in
      var line = ""
      var current = Style.plain
      for cell in cells where !cell.isContinuation {
        if styler.isEnabled, cell.style != current {
          if !current.isPlain { line += ANSI.reset }
          line += cell.style.sgr
          current = cell.style
        }
        line += cell.text
      }
      if styler.isEnabled, !current.isPlain { line += ANSI.reset }
      return line
    }
  }

  /// Blanks the other half of a wide character that a write at `column` would split.
  private mutating func unsplit(row: Int, column: Int) {
    guard column < width else { return }
    if rows[row][column].isContinuation, column > 0 {
      rows[row][column - 1] = Cell(
        text: " ", style: rows[row][column - 1].style, isContinuation: false)
    }
    if column + 1 < width, rows[row][column + 1].isContinuation {
      rows[row][column + 1] = Cell(
        text: " ", style: rows[row][column + 1].style, isContinuation: false)
    }
  }
}
