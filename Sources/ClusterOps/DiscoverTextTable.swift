/// Left-aligned columns separated by two spaces, with an upper-case header row.
///
/// A stand-in until TerminalUI's `TextTable` (branch `tui`) is merged; only `discover` uses it.
struct DiscoverTextTable {
  let headers: [String]
  var rows: [[String]] = []

  /// The table as lines without trailing spaces.
  func lines() -> [String] {
    let all = [headers] + rows
    let widths = headers.indices.map { column in
      all.map { $0[column].count }.max() ?? 0
    }
    return all.map { row in
      let cells = row.indices.map { column in
        column == row.count - 1
          ? row[column]
          : row[column] + String(repeating: " ", count: widths[column] - row[column].count)
      }
      let line = cells.joined(separator: "  ")
      return String(line.reversed().drop(while: { $0 == " " }).reversed())
    }
  }
}
