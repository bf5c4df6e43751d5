/// A styled line broken into terminal cells, for comparing two frames cell by cell.
struct ScreenLine: Equatable {
  /// One column of a line.
  struct Cell: Equatable {
    /// The grapheme (with any zero-width marks); "" for the right half of a wide character.
    var text: String
    /// The SGR sequences in effect, since the last reset ("" for the default look).
    var pen: String

    /// A blank in the default look.
    static let blank = Cell(text: " ", pen: "")
    /// Whether this is the right half of a wide character.
    var isContinuation: Bool { text.isEmpty }
    /// Whether this is the left half of a wide character.
    var isWide: Bool { text.first.map { $0.terminalWidth == 2 } ?? false }
  }

  /// The cells, left to right.
  var cells: [Cell]

  /// Parses `line`: SGR sequences set the pen, other escape sequences are dropped.
  init(parsing line: String) {
    var cells: [Cell] = []
    var pen = ""
    for token in line.ansiTokens {
      switch token {
      case .escape(let sequence):
        if token.isReset {
          pen = ""
        } else if token.isSGR {
          pen += sequence
        }
      case .character(let character):
        let width = character.terminalWidth
        if width == 0 {
          if let last = cells.indices.last {
            let owner = cells[last].isContinuation && last > 0 ? last - 1 : last
            cells[owner].text.append(character)
          }
          continue
        }
        cells.append(Cell(text: String(character), pen: pen))
        if width == 2 { cells.append(Cell(text: "", pen: pen)) }
      }
    }
    self.cells = cells
  }

  /// This line padded with blanks to `width` cells.
  func padded(to width: Int) -> [Cell] {
    cells.count >= width ? cells : cells + Array(repeating: .blank, count: width - cells.count)
  }
}
