import Testing

@testable import TerminalUI

@Suite struct KeyDecoderTests {
  private func keys(_ text: String) -> [Key] {
    var decoder = KeyDecoder()
    return decoder.feed(Array(text.utf8)) + decoder.flush()
  }

  @Test func decodesPrintableAndControlKeys() {
    #expect(keys("q/?") == [.char("q"), .char("/"), .char("?")])
    #expect(keys("\r\n\t") == [.enter, .enter, .tab])
    #expect(keys("\u{7F}\u{08}") == [.backspace, .backspace])
    #expect(keys("\u{03}") == [.ctrlC])
    #expect(keys("\u{0C}\u{15}") == [.ctrl("l"), .ctrl("u")])
  }

  @Test func decodesArrowsAndNavigation() {
    #expect(keys("\u{1B}[A\u{1B}[B\u{1B}[C\u{1B}[D") == [.up, .down, .right, .left])
    #expect(keys("\u{1B}OA\u{1B}OB") == [.up, .down])
    #expect(keys("\u{1B}[1;5A") == [.up])
    #expect(keys("\u{1B}[Z") == [.backTab])
    #expect(keys("\u{1B}[5~\u{1B}[6~") == [.pageUp, .pageDown])
    #expect(keys("\u{1B}[H\u{1B}[F\u{1B}[1~\u{1B}[4~") == [.home, .end, .home, .end])
    #expect(keys("\u{1B}[3~") == [.delete])
  }

  @Test func dropsUnknownSequences() {
    #expect(keys("\u{1B}[200~x") == [.char("x")])
    #expect(keys("\u{1B}[15~") == [])
  }

  @Test func loneEscapeWaitsForTheFlush() {
    var decoder = KeyDecoder()
    #expect(decoder.feed([0x1B]) == [])
    #expect(decoder.hasPending)
    #expect(decoder.flush() == [.escape])
    #expect(!decoder.hasPending)
  }

  @Test func sequencesSplitAcrossReadsStillDecode() {
    var decoder = KeyDecoder()
    #expect(decoder.feed([0x1B]) == [])
    #expect(decoder.feed([UInt8(ascii: "[")]) == [])
    #expect(decoder.feed([UInt8(ascii: "B"), UInt8(ascii: "j")]) == [.down, .char("j")])
  }

  @Test func escapeFollowedByAnotherKeyIsEscapeThenThatKey() {
    #expect(keys("\u{1B}q") == [.escape, .char("q")])
    #expect(keys("\u{1B}\u{1B}[A") == [.escape, .up])
  }

  @Test func decodesUTF8EvenWhenSplit() {
    #expect(keys("é日🚀") == [.char("é"), .char("日"), .char("🚀")])
    var decoder = KeyDecoder()
    let bytes = Array("日".utf8)
    #expect(decoder.feed([bytes[0]]) == [])
    #expect(decoder.feed([bytes[1]]) == [])
    #expect(decoder.feed([bytes[2]]) == [.char("日")])
  }

  @Test func skipsInvalidUTF8() {
    var decoder = KeyDecoder()
    #expect(decoder.feed([0xFF, UInt8(ascii: "a")]) == [.char("a")])
    #expect(decoder.feed([0xE6, UInt8(ascii: "b")]) == [.char("b")])
  }
}
