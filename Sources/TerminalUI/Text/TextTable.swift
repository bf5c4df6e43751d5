/// An aligned plain-text table for command output (`discover`, `ping`, `status`, `history`).
///
/// Columns are separated by two spaces, the header is bold when colour is on, and lines carry
/// no trailing spaces. Cells may contain styled text; widths count what is visible.
public struct TextTable: Sendable {
  /// A column: its header and how its cells align.
  public struct Column: Sendable, Hashable {
    /// The header text.
    public var title: String
    /// Left for text, right for numbers.
    public var alignment: TextAlignment

    /// Creates a column.
    public init(_ title: String, alignment: TextAlignment = .left) {
      self.title = title
      self.alignment = alignment
    }
  }

  /// The columns, left to right.
  public var columns: [Column]
  /// The rows; each has one cell per column (missing cells are empty, extra ones ignored).
  public var rows: [[String]]

  /// Creates a table with `columns` and, optionally, its `rows`.
  public init(columns: [Column], rows: [[String]] = []) {
    self.columns = columns
    self.rows = rows
  }

  /// Adds a row of cells.
  public mutating func append(_ cells: [String]) { rows.append(cells) }

  /// The table's lines, header first; with `maxWidth`, the widest text columns are truncated
  /// (and, if even that is not enough, the lines themselves).
  public func lines(maxWidth: Int? = nil, styler: Styler = .plain) -> [String] {
    let cells = rows.map { row in
      columns.indices.map { $0 < row.count ? row[$0] : "" }
    }
    let layout = ColumnLayout(
      columns: columns.map {
        ColumnLayout.Column(
          title: $0.title, isFlexible: $0.alignment == .left,
          minimumWidth: max(4, min($0.title.displayWidth, 8)))
      })
    let widths = layout.widths(rows: cells, available: maxWidth ?? Int.max / 4)
    let header = styler.paint(format(columns.map(\.title), widths: widths), .bold)
    let lines = [header] + cells.map { format($0, widths: widths) }
    guard let maxWidth else { return lines }
    return lines.map { $0.truncated(toWidth: maxWidth) }
  }

  /// The table as one string, lines separated by newlines (no trailing newline).
  public func render(maxWidth: Int? = nil, styler: Styler = .plain) -> String {
    lines(maxWidth: maxWidth, styler: styler).joined(separator: "\n")
  }

  private func format(_ cells: [String], widths: [Int?]) -> String {
    var parts: [String] = []
    for (index, cell) in cells.enumerated() {
      guard let width = widths[index] else { continue }
      parts.append(cell.fitted(toWidth: width, alignment: columns[index].alignment))
    }
    var line = parts.joined(separator: "  ")
    while line.last == " " { line.removeLast() }
    return line
  }
}
