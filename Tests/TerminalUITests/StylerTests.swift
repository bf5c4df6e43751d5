import Foundation
import Testing

@testable import TerminalUI

@Suite struct StylerTests {
  @Test func coloursATerminal() {
    #expect(Styler.detect(isTerminal: true, environment: [:]).isEnabled)
    #expect(!Styler.detect(isTerminal: false, environment: [:]).isEnabled)
  }

  @Test func noColorTurnsColourOffUnlessEmpty() {
    #expect(!Styler.detect(isTerminal: true, environment: ["NO_COLOR": "1"]).isEnabled)
    #expect(!Styler.detect(isTerminal: true, environment: ["NO_COLOR": "0"]).isEnabled)
    #expect(Styler.detect(isTerminal: true, environment: ["NO_COLOR": ""]).isEnabled)
  }

  @Test func dumbTerminalGetsNoColour() {
    #expect(!Styler.detect(isTerminal: true, environment: ["TERM": "dumb"]).isEnabled)
  }

  @Test func forceColorColoursAPipeButNotOverNoColor() {
    #expect(Styler.detect(isTerminal: false, environment: ["FORCE_COLOR": "1"]).isEnabled)
    #expect(Styler.detect(isTerminal: false, environment: ["CLICOLOR_FORCE": "1"]).isEnabled)
    #expect(!Styler.detect(isTerminal: false, environment: ["FORCE_COLOR": "0"]).isEnabled)
    #expect(
      !Styler.detect(isTerminal: true, environment: ["FORCE_COLOR": "1", "NO_COLOR": "1"])
        .isEnabled)
  }

  @Test func paintsWithSGRAndReset() {
    #expect(Styler.ansi.paint("ok", .green) == "\u{1B}[32mok\u{1B}[0m")
    #expect(Styler.ansi.paint("x", .red + .bold) == "\u{1B}[1;31mx\u{1B}[0m")
    #expect(
      Styler.ansi.paint("x", Style(foreground: .black, background: .yellow, attributes: .inverse))
        == "\u{1B}[7;30;43mx\u{1B}[0m")
    #expect(Styler.plain.paint("ok", .green) == "ok")
    #expect(Styler.ansi.paint("ok", .plain) == "ok")
    #expect(Styler.ansi.paint("", .red) == "")
  }

  @Test func combiningStylesKeepsAttributesAndPrefersTheRightColour() {
    let style = Style.red + .bold + .green + .underline
    #expect(style.foreground == .green)
    #expect(style.attributes == [.bold, .underline])
    #expect((Style.red + .plain).foreground == .red)
  }

  @Test func aPipeIsNotATerminal() throws {
    var descriptors: [Int32] = [-1, -1]
    #expect(pipe(&descriptors) == 0)
    defer {
      close(descriptors[0])
      close(descriptors[1])
    }
    #expect(!Styler.forFileDescriptor(descriptors[1], environment: [:]).isEnabled)
    #expect(!FileOutput(fileDescriptor: descriptors[1]).isTerminal)
    #expect(FileOutput(fileDescriptor: descriptors[1]).terminalSize == nil)
  }
}
