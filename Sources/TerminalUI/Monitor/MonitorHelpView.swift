/// Draws the key help as a framed box over the middle of the screen.
enum MonitorHelpView {
  /// The keys and what they do.
  static let entries: [(keys: String, action: String)] = [
    ("q", "quit"),
    ("r", "refresh now"),
    ("↑ ↓  j k", "move the selection"),
    ("PgUp PgDn", "move by a page"),
    ("Enter", "details of the selection"),
    ("Esc", "back; clear the filter"),
    ("Tab  ← →", "next / previous screen"),
    ("1 2 3", "nodes / workloads / events"),
    ("/", "filter (Enter keeps, Esc clears)"),
    ("Ctrl-L", "repaint the screen"),
    ("?", "this help (any key closes)"),
  ]

  /// Draws the box centred in `rows`, clipped if the screen is too small.
  static func draw(_ canvas: inout Canvas, rows: Range<Int>) {
    let keyWidth = entries.map(\.keys.displayWidth).max() ?? 0
    let lines = entries.map { $0.keys.padded(toWidth: keyWidth) + "   " + $0.action }
    let innerWidth = min(canvas.width - 4, (lines.map(\.displayWidth).max() ?? 0))
    guard innerWidth > 0 else { return }
    var box = Canvas(width: innerWidth + 4, height: min(rows.count, lines.count + 2))
    guard box.height >= 2 else { return }
    let border = Style.bold
    box.draw(
      "┌─ Keys " + String(repeating: "─", count: max(0, box.width - 9)) + "┐", row: 0, column: 0,
      style: border)
    for row in 1..<(box.height - 1) {
      box.draw("│", row: row, column: 0, style: border)
      box.draw(lines[row - 1], row: row, column: 2, limit: innerWidth)
      box.draw("│", row: row, column: box.width - 1, style: border)
    }
    box.draw(
      "└" + String(repeating: "─", count: box.width - 2) + "┘", row: box.height - 1, column: 0,
      style: border)
    let top = rows.lowerBound + (rows.count - box.height) / 2
    let left = (canvas.width - box.width) / 2
    canvas.paste(box, row: top, column: left)
  }
}
