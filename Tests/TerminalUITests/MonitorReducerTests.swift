import Foundation
import Testing

@testable import TerminalUI

@Suite struct MonitorReducerTests {
  typealias F = MonitorFixtures

  private func effect(_ key: Key, _ state: MonitorState = MonitorState()) -> MonitorEffect {
    Monitor.reduce(state, key, model: F.model).effect
  }

  private func selectedName(_ state: MonitorState, model: MonitorModel = F.model) -> String? {
    MonitorItems.selectedIndex(state, model).map {
      MonitorItems.ids(state.screen, model, filter: state.filter)[$0]
    }
  }

  @Test func quitRefreshRepaint() {
    #expect(effect(.char("q")) == .quit)
    #expect(effect(.ctrlC) == .quit)
    #expect(effect(.char("r")) == .refresh)
    #expect(effect(.ctrl("l")) == .repaint)
    #expect(effect(.resize) == .none)
    #expect(effect(.char("x")) == .none)
  }

  @Test func movesAndStopsAtTheEnds() {
    #expect(selectedName(MonitorState()) == "node-a")
    #expect(selectedName(F.state(after: [.down])) == "gpu-box-1")
    #expect(selectedName(F.state(after: [.char("j"), .char("j")])) == "node-c")
    #expect(selectedName(F.state(after: Array(repeating: .down, count: 9))) == "new-node")
    #expect(selectedName(F.state(after: [.down, .up, .up, .char("k")])) == "node-a")
    #expect(selectedName(F.state(after: [.end])) == "new-node")
    #expect(selectedName(F.state(after: [.end, .home])) == "node-a")
    #expect(selectedName(F.state(after: [.pageDown])) == "new-node")
  }

  @Test func selectionFollowsItsItemAcrossRefreshes() {
    let state = F.state(after: [.down, .down])
    #expect(selectedName(state) == "node-c")
    var reordered = F.model
    reordered.nodes.reverse()
    #expect(selectedName(state, model: reordered) == "node-c")
    var gone = F.model
    gone.nodes.remove(at: 2)
    #expect(selectedName(state, model: gone) == "new-node")
    gone.nodes = []
    #expect(selectedName(state, model: gone) == nil)
  }

  @Test func detailsOpenOnEnterAndCloseOnEscape() {
    let details = F.state(after: [.enter])
    #expect(details.isShowingDetails)
    #expect(F.state(after: [.escape], from: details).isShowingDetails == false)
    let empty = MonitorModel.empty
    #expect(!Monitor.reduce(MonitorState(), .enter, model: empty).state.isShowingDetails)
    // Moving in details moves to the next item's details.
    let next = F.state(after: [.down], from: details)
    #expect(next.isShowingDetails)
    #expect(selectedName(next) == "gpu-box-1")
  }

  @Test func tabCyclesScreensAndClosesDetails() {
    #expect(F.state(after: [.tab]).screen == .workloads)
    #expect(F.state(after: [.tab, .tab, .tab]).screen == .nodes)
    #expect(F.state(after: [.backTab]).screen == .events)
    #expect(F.state(after: [.right, .right]).screen == .events)
    #expect(F.state(after: [.left]).screen == .events)
    #expect(F.state(after: [.char("2")]).screen == .workloads)
    #expect(F.state(after: [.char("3"), .char("1")]).screen == .nodes)
    #expect(!F.state(after: [.enter, .tab]).isShowingDetails)
  }

  @Test func eachScreenKeepsItsOwnSelectionAndFilter() {
    let state = F.state(
      after: [.down, .tab, .char("/")] + F.typing("kube") + [.enter, .tab, .tab])
    #expect(state.screen == .nodes)
    #expect(state.filter == "")
    #expect(selectedName(state) == "gpu-box-1")
    let workloads = F.state(after: [.tab], from: state)
    #expect(workloads.filter == "kube")
  }

  @Test func filterEditing() {
    let editing = F.state(after: [.char("/")] + F.typing("qgpu"))
    #expect(editing.isEditingFilter)
    #expect(editing.filter == "qgpu")
    #expect(Monitor.reduce(editing, .char("q"), model: F.model).effect == .none)
    #expect(Monitor.reduce(editing, .ctrlC, model: F.model).effect == .quit)
    let corrected = F.state(
      after: [.backspace, .backspace, .backspace, .backspace] + F.typing("gpu"), from: editing)
    #expect(corrected.filter == "gpu")
    #expect(selectedName(corrected) == "gpu-box-1")
    let kept = F.state(after: [.enter], from: corrected)
    #expect(!kept.isEditingFilter)
    #expect(kept.filter == "gpu")
    let cleared = F.state(after: [.escape], from: kept)
    #expect(cleared.filter == "")
    let abandoned = F.state(after: [.escape], from: corrected)
    #expect(!abandoned.isEditingFilter && abandoned.filter == "")
    #expect(F.state(after: [.ctrl("u")], from: corrected).filter == "")
  }

  @Test func filterMatchesCaseInsensitivelyOnSeveralFields() {
    let byRole = F.state(after: [.char("/")] + F.typing("SERVER"))
    #expect(MonitorItems.ids(.nodes, F.model, filter: byRole.filter) == ["node-a"])
    #expect(MonitorItems.ids(.nodes, F.model, filter: "n/a") == ["node-c"])
    #expect(MonitorItems.ids(.workloads, F.model, filter: "degraded").count == 1)
    #expect(MonitorItems.ids(.events, F.model, filter: "cluster-mgr").count == 2)
  }

  @Test func helpClosesOnAnyKeyButQStillQuits() {
    let help = F.state(after: [.char("?")])
    #expect(help.isShowingHelp)
    let closed = Monitor.reduce(help, .down, model: F.model)
    #expect(!closed.state.isShowingHelp)
    #expect(selectedName(closed.state) == "node-a")
    #expect(Monitor.reduce(help, .char("q"), model: F.model).effect == .quit)
  }
}

@Suite struct MonitorModelTests {
  typealias F = MonitorFixtures

  @Test func unreadableHostKeepsItsLastFigures() {
    var fresh = F.model
    fresh.nodes[0].isReadable = false
    fresh.nodes[0].usage = nil
    fresh.nodes[0].usageReadAt = nil
    let merged = fresh.carryingForward(from: F.model)
    #expect(merged.nodes[0].usage == F.model.nodes[0].usage)
    #expect(merged.nodes[0].usageReadAt == F.model.nodes[0].usageReadAt)
    #expect(!merged.nodes[0].isReadable)
    #expect(merged.nodes[1] == F.model.nodes[1])
  }

  @Test func unreachableServerKeepsTheClusterState() {
    let stale = MonitorModel(
      nodes: F.nodes.map { node in
        var node = node
        node.ready = nil
        node.k3sVersion = nil
        node.createdAt = nil
        return node
      },
      workloads: [],
      events: [F.events[0]],
      server: .unreachable(lastContact: nil), refreshedAt: F.now)
    let merged = stale.carryingForward(from: F.model)
    #expect(merged.workloads == F.workloads)
    #expect(Set(merged.events) == Set(F.events))
    #expect(merged.nodes[0].ready == true)
    #expect(merged.nodes[0].k3sVersion == "v1.31.4+k3s1")
    #expect(merged.server == .unreachable(lastContact: F.model.refreshedAt))
    // A second failure keeps the first contact time, not the failed refresh's.
    let again = stale.carryingForward(from: merged)
    #expect(again.server == .unreachable(lastContact: F.model.refreshedAt))
  }

  @Test func reachableServerReplacesEverything() {
    let fresh = MonitorModel(nodes: [], workloads: [], events: [], refreshedAt: F.now)
    #expect(fresh.carryingForward(from: F.model) == fresh)
  }
}
