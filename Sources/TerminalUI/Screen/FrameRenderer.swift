/// Computes the escape sequences that turn one frame into the next, touching only changed cells.
///
/// A frame is an array of styled lines (one per row, normally exactly the terminal's width).
/// Comparing never clears the screen, so a refresh does not flicker; only a first frame, or a
/// frame with a different number of rows (a resize), repaints everything.
public enum FrameRenderer {
  /// Cells that may stay unchanged between two changed runs before the runs are written separately.
  static let mergeGap = 4

  /// The bytes that turn a full screen showing `previous` into `next` (`nil`: unknown screen).
  public static func diff(from previous: [String]?, to next: [String]) -> String {
    guard let previous, previous.count == next.count else {
      var output = ANSI.reset + ANSI.home + ANSI.eraseScreen
      for (row, line) in next.enumerated() {
        let cells = ScreenLine(parsing: line).cells
        guard !cells.isEmpty else { continue }
        output += ANSI.moveTo(row: row, column: 0) + encode(cells, 0..<cells.count)
      }
      return output
    }
    var output = ""
    for row in next.indices where previous[row] != next[row] {
      let (old, new) = cellPair(previous[row], next[row])
      for span in changedSpans(old, new) {
        output += ANSI.moveTo(row: row, column: span.lowerBound) + encode(new, span)
      }
    }
    return output
  }

  /// The bytes that turn a block of lines drawn in place, below which the cursor is parked at
  /// column 0, from `previous` into `next`; the cursor ends parked below the new block.
  ///
  /// Used for live progress on the normal screen (scrollback intact). With no previous lines
  /// the block starts on the cursor's line. A longer block scrolls the screen as needed; a
  /// shorter one erases the rows it no longer uses. Lines must not be wider than the terminal.
  public static func inlineDiff(from previous: [String], to next: [String]) -> String {
    var output = ""
    var row = previous.count
    func move(to target: Int) {
      if target < row { output += ANSI.up(row - target) }
      if target > row { output += ANSI.down(target - row) }
      row = target
    }
    for index in 0..<min(previous.count, next.count) where previous[index] != next[index] {
      let (old, new) = cellPair(previous[index], next[index])
      for span in changedSpans(old, new) {
        move(to: index)
        output += "\r" + ANSI.right(span.lowerBound) + encode(new, span)
      }
    }
    if next.count > previous.count {
      move(to: previous.count)
      output += "\r"
      for line in next[previous.count...] {
        let cells = ScreenLine(parsing: line).cells
        output += encode(cells, 0..<cells.count) + ANSI.eraseToEndOfLine + "\r\n"
      }
    } else if next.count < previous.count {
      move(to: next.count)
      output += "\r" + ANSI.eraseToEndOfScreen
    } else if !output.isEmpty {
      move(to: next.count)
      output += "\r"
    }
    return output
  }

  /// Both lines as cells, padded to the same width so that leftovers of a longer line are erased.
  private static func cellPair(
    _ previous: String, _ next: String
  ) -> ([ScreenLine.Cell], [ScreenLine.Cell]) {
    let old = ScreenLine(parsing: previous)
    let new = ScreenLine(parsing: next)
    let width = max(old.cells.count, new.cells.count)
    return (old.padded(to: width), new.padded(to: width))
  }

  /// The column ranges where `new` differs from `old` (same length), widened to whole wide
  /// characters and merged when close together.
  static func changedSpans(_ old: [ScreenLine.Cell], _ new: [ScreenLine.Cell]) -> [Range<Int>] {
    var spans: [Range<Int>] = []
    var column = 0
    while column < new.count {
      guard old[column] != new[column] else {
        column += 1
        continue
      }
      var end = column + 1
      while end < new.count, old[end] != new[end] { end += 1 }
      var span = column..<end
      // Never start or stop inside a wide character, in either frame.
      while true {
        var lower = span.lowerBound
        var upper = span.upperBound
        if lower > 0, old[lower].isContinuation || new[lower].isContinuation { lower -= 1 }
        if upper < new.count, old[upper - 1].isWide || new[upper - 1].isWide { upper += 1 }
        if lower == span.lowerBound, upper == span.upperBound { break }
        span = lower..<upper
      }
      if let last = spans.last, span.lowerBound - last.upperBound <= mergeGap {
        spans[spans.count - 1] = last.lowerBound..<max(last.upperBound, span.upperBound)
      } else {
        spans.append(span)
      }
      column = span.upperBound
    }
    return spans
  }

  /// The text and SGR sequences that draw `cells[range]`, ending in the default look.
  private static func encode(_ cells: [ScreenLine.Cell], _ range: Range<Int>) -> String {
    var output = ""
    var pen = ""
    for column in range {
      let cell = cells[column]
      if cell.isContinuation { continue }
      if cell.pen != pen {
        if !pen.isEmpty { output += ANSI.reset }
        output += cell.pen
        pen = cell.pen
      }
      output += cell.text
    }
    if !pen.isEmpty { output += ANSI.reset }
    return output
  }
}
