import Foundation
import Testing

@testable import TerminalUI

/// A tiny terminal emulator: enough of VT100/xterm to check what frames and progress blocks
/// leave on screen (cursor moves, erasing, SGR, scrolling, alternate screen).
struct ScreenEmulator {
  struct Cell: Equatable {
    var text: String = " "
    var pen: String = ""
  }

  let width: Int
  let height: Int
  private(set) var cells: [[Cell]]
  private(set) var row = 0
  private(set) var column = 0
  private(set) var scrolledOff: [String] = []
  private(set) var isAlternateScreen = false
  private(set) var isCursorVisible = true
  private var pen = ""
  private var pendingWrap = false

  init(width: Int, height: Int) {
    self.width = width
    self.height = height
    cells = Array(repeating: Array(repeating: Cell(), count: width), count: height)
  }

  /// The visible text, one string per row, styles left out.
  var lines: [String] { cells.map { $0.map(\.text).joined() } }

  /// The row texts with trailing spaces removed.
  var trimmedLines: [String] {
    lines.map { line in
      var line = line
      while line.last == " " { line.removeLast() }
      return line
    }
  }

  /// The SGR pen of the cell at `row`, `column`.
  func pen(row: Int, column: Int) -> String { cells[row][column].pen }

  mutating func feed(_ text: String) {
    for token in text.ansiTokens {
      switch token {
      case .escape(let sequence): apply(sequence, token)
      case .character(let character): put(character)
      }
    }
  }

  private mutating func put(_ character: Character) {
    switch character {
    case "\r":
      column = 0
      pendingWrap = false
      return
    case "\n":  // the tty's ONLCR (kept on in raw mode too) turns it into CR LF
      column = 0
      lineFeed()
      return
    case "\r\n":
      column = 0
      pendingWrap = false
      lineFeed()
      return
    default: break
    }
    let characterWidth = character.terminalWidth
    guard characterWidth > 0 else { return }
    if pendingWrap || column + characterWidth > width {
      column = 0
      lineFeed()
      pendingWrap = false
    }
    cells[row][column] = Cell(text: String(character), pen: pen)
    if characterWidth == 2, column + 1 < width { cells[row][column + 1] = Cell(text: "", pen: pen) }
    column += characterWidth
    if column >= width {
      column = width - 1
      pendingWrap = true
    }
  }

  private mutating func lineFeed() {
    pendingWrap = false
    if row == height - 1 {
      var line = cells[0].map(\.text).joined()
      while line.last == " " { line.removeLast() }
      scrolledOff.append(line)
      cells.removeFirst()
      cells.append(Array(repeating: Cell(), count: width))
    } else {
      row += 1
    }
  }

  private mutating func apply(_ sequence: String, _ token: ANSIToken) {
    if token.isReset {
      pen = ""
      return
    }
    if token.isSGR {
      pen += sequence
      return
    }
    guard sequence.hasPrefix(ANSI.csi) else { return }
    let body = sequence.dropFirst(2)
    let final = body.last!
    let parameters = body.dropLast()
    let numbers = parameters.split(separator: ";").map { Int($0) ?? 0 }
    let count = max(1, numbers.first ?? 1)
    pendingWrap = false
    switch (parameters, final) {
    case ("?1049", "h"): isAlternateScreen = true
    case ("?1049", "l"): isAlternateScreen = false
    case ("?25", "l"): isCursorVisible = false
    case ("?25", "h"): isCursorVisible = true
    case (_, "H"):
      row = min(height - 1, max(0, (numbers.first ?? 1) - 1))
      column = min(width - 1, max(0, (numbers.count > 1 ? numbers[1] : 1) - 1))
    case (_, "A"): row = max(0, row - count)
    case (_, "B"): row = min(height - 1, row + count)
    case (_, "C"): column = min(width - 1, column + count)
    case (_, "D"): column = max(0, column - count)
    case ("2", "J"):
      cells = Array(repeating: Array(repeating: Cell(), count: width), count: height)
    case ("", "J"), ("0", "J"):
      for c in column..<width { cells[row][c] = Cell() }
      for r in (row + 1)..<height { cells[r] = Array(repeating: Cell(), count: width) }
    case ("", "K"), ("0", "K"):
      for c in column..<width { cells[row][c] = Cell() }
    case ("2", "K"):
      cells[row] = Array(repeating: Cell(), count: width)
    default:
      Issue.record(
        "emulator does not know \(sequence.replacingOccurrences(of: "\u{1B}", with: "␛"))")
    }
  }
}
