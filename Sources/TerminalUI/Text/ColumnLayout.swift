/// Chooses column widths for a table that must fit a number of columns.
///
/// Columns with a priority above zero may be dropped, highest number first, when even the
/// flexible columns at their minimum do not fit; flexible columns then shrink, widest first.
struct ColumnLayout {
  /// What a column needs.
  struct Column {
    /// Its header.
    var title: String
    /// 0: always shown; otherwise dropped before columns with a lower number.
    var priority: Int = 0
    /// Whether it may shrink below its content's width (its text is truncated).
    var isFlexible: Bool = false
    /// The narrowest a flexible column gets.
    var minimumWidth: Int = 4
  }

  /// The columns, left to right.
  var columns: [Column]
  /// Spaces between two columns.
  var gap: Int = 2

  /// The width of each column for `rows` of cells within `available` columns; `nil` means dropped.
  func widths(rows: [[String]], available: Int) -> [Int?] {
    var natural = columns.map(\.title.displayWidth)
    for row in rows {
      for (index, cell) in row.enumerated() where index < natural.count {
        natural[index] = max(natural[index], cell.displayWidth)
      }
    }
    var kept = Array(repeating: true, count: columns.count)
    func needed(_ floorFlexible: Bool) -> Int {
      var total = 0
      var count = 0
      for index in columns.indices where kept[index] {
        let column = columns[index]
        let width =
          floorFlexible && column.isFlexible
          ? min(natural[index], column.minimumWidth) : natural[index]
        total += width
        count += 1
      }
      return total + max(0, count - 1) * gap
    }
    while needed(true) > available {
      let candidates = columns.indices.filter { kept[$0] && columns[$0].priority > 0 }
      guard
        let drop = candidates.max(by: { (columns[$0].priority, $0) < (columns[$1].priority, $1) })
      else { break }
      kept[drop] = false
    }
    // A narrow column dropped before a wide one may fit again once the wide one is gone.
    let dropped = columns.indices.filter { !kept[$0] }.sorted {
      (columns[$0].priority, $0) < (columns[$1].priority, $1)
    }
    for index in dropped {
      kept[index] = true
      if needed(true) > available { kept[index] = false }
    }
    var widths = natural
    var excess = needed(false) - available
    while excess > 0 {
      let shrinkable = columns.indices.filter {
        kept[$0] && columns[$0].isFlexible && widths[$0] > columns[$0].minimumWidth
      }
      guard let widest = shrinkable.max(by: { (widths[$0], $0) < (widths[$1], $1) }) else { break }
      widths[widest] -= 1
      excess -= 1
    }
    return columns.indices.map { kept[$0] ? widths[$0] : nil }
  }
}
