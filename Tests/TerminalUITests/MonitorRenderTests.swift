import Foundation
import Testing

@testable import TerminalUI

@Suite struct MonitorRenderTests {
  typealias F = MonitorFixtures

  @Test func nodesScreen() {
    Golden.check(F.frame(), named: "monitor-nodes")
  }

  @Test func nodesScreenColoured() {
    let coloured = F.frame(styler: .ansi)
    #expect(coloured.map { $0.strippingANSI() } == F.frame())
    Golden.check(coloured, named: "monitor-nodes-colour")
  }

  @Test func unreadableNodeSelectedShowsNAAndLastKnownValues() {
    let frame = F.frame(F.state(after: [.down, .down]))
    let row = frame.first { $0.contains("node-c") }!
    #expect(row.hasPrefix(">"))
    #expect(row.contains("N/A"))
    Golden.check(frame, named: "monitor-nodes-unreadable-selected")
  }

  @Test func narrowTerminalDropsLessImportantColumns() {
    let frame = F.frame(width: 60, height: 14)
    #expect(frame[1].contains("NAME") && frame[1].contains("READY") && frame[1].contains("CPU"))
    #expect(!frame[1].contains("AGE") && !frame[1].contains("DISK"))
    Golden.check(frame, named: "monitor-nodes-60x14")
  }

  @Test func typingAFilter() {
    Golden.check(
      F.frame(F.state(after: [.char("/")] + F.typing("gpu"))), named: "monitor-filter-editing")
  }

  @Test func keptFilterWithNoMatch() {
    let state = F.state(after: [.char("/")] + F.typing("zzz") + [.enter])
    Golden.check(F.frame(state), named: "monitor-filter-no-match")
  }

  @Test func nodeDetails() {
    Golden.check(F.frame(F.state(after: [.enter])), named: "monitor-node-details")
  }

  @Test func unreadableNodeDetails() {
    Golden.check(
      F.frame(F.state(after: [.down, .down, .enter])), named: "monitor-node-details-unreadable")
  }

  @Test func workloadsScreen() {
    Golden.check(F.frame(F.state(after: [.tab, .down])), named: "monitor-workloads")
  }

  @Test func workloadDetails() {
    Golden.check(
      F.frame(F.state(after: [.tab, .down, .down, .enter])), named: "monitor-workload-details")
  }

  @Test func eventsScreenNewestFirst() {
    let frame = F.frame(F.state(after: [.tab, .tab]))
    let node = frame.firstIndex { $0.contains("NodeNotReady") }!
    let run = frame.firstIndex { $0.contains("run 41") }!
    #expect(node < run)
    Golden.check(frame, named: "monitor-events")
  }

  @Test func eventDetailsWrapTheMessage() {
    Golden.check(
      F.frame(F.state(after: [.backTab, .down, .enter]), width: 60, height: 16),
      named: "monitor-event-details")
  }

  @Test func helpOverlay() {
    Golden.check(F.frame(F.state(after: [.char("?")])), named: "monitor-help")
  }

  @Test func bannersForUnreachableServerAndFailedRefresh() {
    var model = F.model
    model.server = .unreachable(lastContact: F.ago(40))
    model.notices = ["tailscaled is not running: tailnet state unknown"]
    var state = MonitorState()
    state.refreshError = "cannot reach node-a over SSH: connection timed out"
    state.isRefreshing = true
    Golden.check(F.frame(state, model: model), named: "monitor-banners")
  }

  @Test func beforeTheFirstRefresh() {
    Golden.check(F.frame(model: .empty, width: 60, height: 8), named: "monitor-loading")
  }

  @Test func tinyTerminal() {
    Golden.check(F.frame(width: 20, height: 4), named: "monitor-tiny")
  }

  @Test func longListScrollsToKeepTheSelectionVisible() {
    var model = F.model
    model.nodes = (1...30).map {
      MonitorNode(name: "node-\($0)", role: "agent", ready: true, tailnetOnline: true)
    }
    let state = F.state(after: Array(repeating: .down, count: 20), model: model)
    let frame = F.frame(state, model: model, width: 70, height: 10)
    #expect(frame.contains { $0.hasPrefix("> node-21") })
    #expect(!frame.contains { $0.contains("node-1 ") })
    Golden.check(frame, named: "monitor-nodes-scrolled")
  }

  @Test func everyFrameIsExactlyTheTerminalSize() {
    let states: [MonitorState] = [
      MonitorState(), F.state(after: [.down, .down]), F.state(after: [.enter]),
      F.state(after: [.down, .down, .enter]), F.state(after: [.char("?")]),
      F.state(after: [.char("/")] + F.typing("node")), F.state(after: [.tab]),
      F.state(after: [.tab, .enter]), F.state(after: [.backTab]),
      F.state(after: [.backTab, .enter]),
    ]
    var model = F.model
    model.server = .unreachable(lastContact: nil)
    for state in states {
      for width in [0, 1, 5, 29, 30, 31, 45, 80, 133] {
        for height in [0, 1, 3, 5, 6, 7, 12, 40] {
          for styler in [Styler.plain, .ansi] {
            let frame = Monitor.render(
              model, state, size: TerminalSize(width: width, height: height), now: F.now,
              styler: styler)
            #expect(frame.count == height)
            #expect(frame.allSatisfy { $0.displayWidth == width }, "\(width)x\(height)")
          }
        }
      }
    }
  }
}

@Suite struct MonitorFormatTests {
  @Test(arguments: [
    (0.0, "0s"), (59, "59s"), (119, "119s"), (120, "2m"), (7199, "119m"), (7200, "2h"),
    (172_799, "47h"), (172_800, "2d"), (63_072_000, "2y"), (-5, "0s"),
  ])
  func ages(seconds: TimeInterval, text: String) {
    #expect(MonitorFormat.age(seconds) == text)
  }

  @Test func sizesAndPercentages() {
    let gib: UInt64 = 1_073_741_824
    #expect(MonitorFormat.bytesPair(gib * 33 / 10, gib * 155 / 10) == "3.3/15.5 GiB")
    #expect(MonitorFormat.bytesPair(gib * 412, gib * 931) == "412/931 GiB")
    #expect(MonitorFormat.bytesPair(512 * 1_048_576, 900 * 1_048_576) == "512/900 MiB")
    #expect(MonitorFormat.bytesPair(gib * 1024, gib * 2048) == "1.0/2.0 TiB")
    #expect(MonitorFormat.bytesPair(0, 0) == "0.0/0.0 B")
    #expect(MonitorFormat.percent(12.5) == "13%")
    #expect(MonitorFormat.percent(nil) == "-")
    #expect(MonitorFormat.percent(.nan) == "-")
    #expect(MonitorFormat.share(1, 4) == "25%")
    #expect(MonitorFormat.share(1, 0) == "-")
  }
}
