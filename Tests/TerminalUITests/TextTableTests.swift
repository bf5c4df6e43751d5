import Testing

@testable import TerminalUI

@Suite struct TextTableTests {
  private let table = TextTable(
    columns: [.init("HOST"), .init("ADDRESS"), .init("LATENCY", alignment: .right)],
    rows: [
      ["node-a", "100.64.0.1", "3 ms"],
      ["gpu-box-with-long-name", "100.64.0.12", "12 ms"],
      ["node-c", "", "-"],
    ])

  @Test func alignsColumnsWithoutTrailingSpaces() {
    #expect(
      table.lines() == [
        "HOST                    ADDRESS      LATENCY",
        "node-a                  100.64.0.1      3 ms",
        "gpu-box-with-long-name  100.64.0.12    12 ms",
        "node-c                                     -",
      ])
  }

  @Test func rendersAsOneString() {
    #expect(table.render().split(separator: "\n").count == 4)
    #expect(!table.render().hasSuffix("\n"))
  }

  @Test func truncatesTheWidestTextColumnToFit() {
    let lines = table.lines(maxWidth: 36)
    #expect(lines.allSatisfy { $0.displayWidth <= 36 })
    #expect(lines[2] == "gpu-box-with-…  100.64.0.12    12 ms")
  }

  @Test func neverExceedsTheMaximumWidth() {
    for width in 1...44 {
      #expect(table.lines(maxWidth: width).allSatisfy { $0.displayWidth <= width }, "\(width)")
    }
    #expect(table.lines(maxWidth: 10)[1] == "nod…  100…")
  }

  @Test func makesHeaderBoldAndMeasuresStyledCells() {
    var coloured = TextTable(columns: [.init("STATE"), .init("N", alignment: .right)])
    coloured.append([Styler.ansi.paint("ok", .green), "1"])
    coloured.append(["changed", "12"])
    let lines = coloured.lines(styler: .ansi)
    #expect(lines[0] == "\u{1B}[1mSTATE     N\u{1B}[0m")
    #expect(lines[1].strippingANSI() == "ok        1")
    #expect(lines[2] == "changed  12")
  }

  @Test func toleratesShortAndLongRows() {
    let ragged = TextTable(columns: [.init("A"), .init("B")], rows: [["1"], ["2", "3", "4"]])
    #expect(ragged.lines() == ["A  B", "1", "2  3"])
  }

  @Test func headerOnlyWhenEmpty() {
    #expect(TextTable(columns: [.init("NAME"), .init("AGE")]).lines() == ["NAME  AGE"])
  }
}
