import Testing

@testable import TerminalUI

@Suite struct StringWidthTests {
  @Test(arguments: [
    ("", 0), ("hello", 5), ("naïve", 5), ("e\u{301}", 1), ("日本語", 6), ("ｈｉ", 4),
    ("🚀", 2), ("👍🏽", 2), ("❤️", 2), ("🇩🇪", 2), ("👩‍💻", 2), ("a\u{200B}b", 2), ("한국", 4),
    ("\u{1B}[1;31mred\u{1B}[0m", 3), ("\u{1B}]0;title\u{07}x", 1), ("tab\there", 7),
  ])
  func displayWidth(text: String, width: Int) {
    #expect(text.displayWidth == width)
  }

  @Test func stripsEscapeSequences() {
    #expect("\u{1B}[32mok\u{1B}[0m done".strippingANSI() == "ok done")
    #expect("a\u{1B}[2Kb\u{1B}[10;4Hc".strippingANSI() == "abc")
    #expect("plain".strippingANSI() == "plain")
    // A sequence cut off at the end is dropped, not shown.
    #expect("x\u{1B}[3".strippingANSI() == "x")
  }

  @Test func truncatesWithAnEllipsis() {
    #expect("cluster-manager".truncated(toWidth: 7) == "cluste…")
    #expect("short".truncated(toWidth: 5) == "short")
    #expect("short".truncated(toWidth: 0) == "")
    #expect("ab".truncated(toWidth: 1) == "…")
    #expect("abc".truncated(toWidth: 2, ellipsis: "") == "ab")
  }

  @Test func truncationNeverSplitsAWideCharacter() {
    let cut = "日本語".truncated(toWidth: 4)
    #expect(cut == "日…")
    #expect(cut.displayWidth == 3)
    #expect("日本語".fitted(toWidth: 4) == "日… ")
    #expect("a日b".truncated(toWidth: 2) == "a…")
  }

  @Test func truncationKeepsStylesAndResets() {
    let styled = "\u{1B}[31mredred\u{1B}[0m"
    let cut = styled.truncated(toWidth: 4)
    #expect(cut.strippingANSI() == "red…")
    #expect(cut.hasPrefix("\u{1B}[31mred"))
    #expect(cut.hasSuffix(ANSI.reset))
    #expect(cut.displayWidth == 4)
  }

  @Test func padsBothWays() {
    #expect("ab".padded(toWidth: 4) == "ab  ")
    #expect("ab".padded(toWidth: 4, alignment: .right) == "  ab")
    #expect("abcdef".padded(toWidth: 4) == "abcdef")
    #expect("日".padded(toWidth: 3) == "日 ")
    #expect("\u{1B}[1mx\u{1B}[0m".padded(toWidth: 2) == "\u{1B}[1mx\u{1B}[0m ")
  }

  @Test func fitsExactly() {
    for width in 0...12 {
      for text in ["", "hello world", "日本語テキスト", "\u{1B}[32mok\u{1B}[0m", "a🚀b"] {
        #expect(text.fitted(toWidth: width).displayWidth == width, "\(text) at \(width)")
      }
    }
  }

  @Test func wrapsAtSpacesAndCutsLongWords() {
    #expect("the quick brown fox".wrapped(toWidth: 10) == ["the quick", "brown fox"])
    #expect("abcdefghij".wrapped(toWidth: 4) == ["abcd", "efgh", "ij"])
    #expect("one\ntwo three".wrapped(toWidth: 20) == ["one", "two three"])
    #expect("".wrapped(toWidth: 5) == [""])
    #expect("日本語テキスト".wrapped(toWidth: 5) == ["日本", "語テ", "キス", "ト"])
  }
}
