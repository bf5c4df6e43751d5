import Testing

@testable import TerminalUI

@Suite struct CanvasTests {
  @Test func drawsClippedText() {
    var canvas = Canvas(width: 6, height: 2)
    #expect(canvas.draw("hello world", row: 0, column: 2) == 6)
    canvas.draw("abc", row: 1, column: 0, limit: 2)
    canvas.draw("ignored", row: 5, column: 0)
    #expect(canvas.lines(styler: .plain) == ["  hell", "ab    "])
  }

  @Test func keepsWideCharactersWhole() {
    var canvas = Canvas(width: 5, height: 1)
    canvas.draw("日本", row: 0, column: 0)
    #expect(canvas.lines(styler: .plain) == ["日本 "])
    canvas.draw("x", row: 0, column: 1)  // overwrites the right half of 日
    #expect(canvas.lines(styler: .plain) == [" x本 "])
    canvas.draw("語", row: 0, column: 4)  // would not fit: left out
    #expect(canvas.lines(styler: .plain) == [" x本 "])
    canvas.draw("y", row: 0, column: 2)  // overwrites the left half of 本
    #expect(canvas.lines(styler: .plain) == [" xy  "])
  }

  @Test func serialisesStylesWithResets() {
    var canvas = Canvas(width: 6, height: 1)
    canvas.draw("ab", row: 0, column: 0, style: .red)
    canvas.draw("cd", row: 0, column: 2, style: .bold)
    #expect(
      canvas.lines(styler: .ansi) == [
        "\u{1B}[31mab\u{1B}[0m\u{1B}[1mcd\u{1B}[0m  "
      ])
    #expect(canvas.lines(styler: .plain) == ["abcd  "])
    canvas.restyle(row: 0) { $0 + .inverse }
    #expect(canvas.lines(styler: .ansi)[0].hasSuffix("\u{1B}[7m  \u{1B}[0m"))
  }

  @Test func pastesAnotherCanvasRepairingWideCharacters() {
    var base = Canvas(width: 6, height: 2)
    base.draw("日本語", row: 0, column: 0)
    var box = Canvas(width: 2, height: 1)
    box.draw("ab", row: 0, column: 0)
    base.paste(box, row: 0, column: 1)
    #expect(base.lines(styler: .plain) == [" ab 語", "      "])
  }
}
