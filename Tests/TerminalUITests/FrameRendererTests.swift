import Testing

@testable import TerminalUI

@Suite struct FrameRendererTests {
  private func screen(_ frames: [[String]], width: Int, height: Int) -> ScreenEmulator {
    var emulator = ScreenEmulator(width: width, height: height)
    var previous: [String]?
    for frame in frames {
      emulator.feed(FrameRenderer.diff(from: previous, to: frame))
      previous = frame
    }
    return emulator
  }

  @Test func firstFramePaintsEverything() {
    let frame = ["hello", "world"]
    let bytes = FrameRenderer.diff(from: nil, to: frame)
    #expect(bytes.contains(ANSI.eraseScreen))
    #expect(screen([frame], width: 5, height: 2).lines == frame)
  }

  @Test func unchangedFrameWritesNothing() {
    let frame = ["same line", "other one"]
    #expect(FrameRenderer.diff(from: frame, to: frame) == "")
  }

  @Test func writesOnlyTheChangedCells() {
    let before = ["cpu  12%  mem 3.1 GiB", "unchanged line here  "]
    let after = ["cpu  13%  mem 3.1 GiB", "unchanged line here  "]
    let bytes = FrameRenderer.diff(from: before, to: after)
    #expect(bytes == ANSI.moveTo(row: 0, column: 6) + "3")
    #expect(!bytes.contains(ANSI.eraseScreen))
  }

  @Test func mergesNearbyChangesAndSplitsDistantOnes() {
    let near = FrameRenderer.diff(from: ["abcdefghij"], to: ["Xbcd3fghij"])
    #expect(near == ANSI.moveTo(row: 0, column: 0) + "Xbcd3")
    let far = FrameRenderer.diff(
      from: ["abcdefghijklmnop"], to: ["Xbcdefghijklmnop".dropLast() + "Y"])
    #expect(far == ANSI.moveTo(row: 0, column: 0) + "X" + ANSI.moveTo(row: 0, column: 15) + "Y")
  }

  @Test func restylingACellRewritesItWithItsStyle() {
    let before = ["ok  "]
    let after = [Styler.ansi.paint("ok", .green) + "  "]
    let bytes = FrameRenderer.diff(from: before, to: after)
    #expect(bytes == ANSI.moveTo(row: 0, column: 0) + "\u{1B}[32mok\u{1B}[0m")
    let emulator = screen([before, after], width: 4, height: 1)
    #expect(emulator.pen(row: 0, column: 1) == "\u{1B}[32m")
    #expect(emulator.pen(row: 0, column: 2) == "")
  }

  @Test func neverWritesHalfAWideCharacter() {
    let before = ["日本語"]
    let after = ["日x 語"]
    let emulator = screen([before, after], width: 6, height: 1)
    #expect(emulator.lines == ["日x 語"])
    let bytes = FrameRenderer.diff(from: before, to: after)
    #expect(bytes == ANSI.moveTo(row: 0, column: 2) + "x ")
  }

  @Test func shorterLineErasesWhatWasThere() {
    let emulator = screen([["a long line"], ["short"]], width: 11, height: 1)
    #expect(emulator.lines == ["short      "])
  }

  @Test func resizeRepaintsEverything() {
    let bytes = FrameRenderer.diff(from: ["a", "b"], to: ["a", "b", "c"])
    #expect(bytes.hasPrefix(ANSI.reset + ANSI.home + ANSI.eraseScreen))
  }

  @Test func randomFrameSequencesEndOnTheLastFrame() {
    var generator = SplitMix(seed: 42)
    let alphabet: [String] = [
      "a", "b", " ", "日", "x", "é", Styler.ansi.paint("r", .red), Styler.ansi.paint("g", .green),
      Styler.ansi.paint("B", .bold + .blue),
    ]
    let width = 12
    let height = 4
    for _ in 0..<150 {
      var frames: [[String]] = []
      for _ in 0..<6 {
        let frame = (0..<height).map { _ -> String in
          var line = ""
          while true {
            let piece = alphabet[Int(generator.next() % UInt64(alphabet.count))]
            if line.displayWidth + piece.displayWidth > width { break }
            line += piece
          }
          return line.padded(toWidth: width)
        }
        frames.append(frame)
      }
      let emulator = screen(frames, width: width, height: height)
      let expected = ScreenEmulatorExpectation(frames.last!, width: width)
      #expect(emulator.lines == expected.lines)
      for row in 0..<height {
        for column in 0..<width where !expected.cells[row][column].text.isEmpty {
          #expect(emulator.pen(row: row, column: column) == expected.cells[row][column].pen)
        }
      }
    }
  }

  @Test func inlineBlockRedrawsInPlaceBelowExistingOutput() {
    var emulator = ScreenEmulator(width: 20, height: 6)
    emulator.feed("$ cluster-mgr run\r\n")
    let first = ["⠋ node-a  k3s", "⠋ node-b  k3s", "0/2 hosts"]
    let second = ["⠙ node-a  k3s", "✓ node-b  done", "1/2 hosts"]
    emulator.feed(FrameRenderer.inlineDiff(from: [], to: first))
    emulator.feed(FrameRenderer.inlineDiff(from: first, to: second))
    #expect(
      emulator.trimmedLines == [
        "$ cluster-mgr run", "⠙ node-a  k3s", "✓ node-b  done", "1/2 hosts", "", "",
      ])
    #expect(emulator.row == 4)
    #expect(emulator.column == 0)
    #expect(FrameRenderer.inlineDiff(from: second, to: second) == "")
  }

  @Test func inlineBlockGrowsWithScrollingAndShrinks() {
    var emulator = ScreenEmulator(width: 10, height: 4)
    emulator.feed("top\r\n")
    let one = ["a"]
    let three = ["a", "b", "c"]
    emulator.feed(FrameRenderer.inlineDiff(from: [], to: one))
    emulator.feed(FrameRenderer.inlineDiff(from: one, to: three))
    #expect(emulator.scrolledOff == ["top"])
    #expect(emulator.trimmedLines == ["a", "b", "c", ""])
    var shrinking = ScreenEmulator(width: 10, height: 5)
    shrinking.feed(FrameRenderer.inlineDiff(from: [], to: three))
    shrinking.feed(FrameRenderer.inlineDiff(from: three, to: ["z"]))
    #expect(shrinking.trimmedLines == ["z", "", "", "", ""])
    #expect(shrinking.row == 1)
  }
}

/// The screen a frame should produce, cell by cell.
struct ScreenEmulatorExpectation {
  let cells: [[ScreenLine.Cell]]
  init(_ frame: [String], width: Int) {
    cells = frame.map { ScreenLine(parsing: $0).padded(to: width) }
  }
  var lines: [String] { cells.map { $0.map(\.text).joined() } }
}

/// A small deterministic random number generator.
struct SplitMix: RandomNumberGenerator {
  var state: UInt64
  init(seed: UInt64) { state = seed }
  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}
