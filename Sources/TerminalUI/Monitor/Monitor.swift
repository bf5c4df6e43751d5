import Foundation

/// The monitor as pure functions: keys change a ``MonitorState``; a model and a state make a frame.
public enum Monitor {
  /// Rows ``Key/pageUp`` and ``Key/pageDown`` move by.
  static let pageSize = 10

  /// The state after `key`, and what the loop must do; `model` gives the items to move over.
  public static func reduce(
    _ state: MonitorState, _ key: Key, model: MonitorModel
  ) -> (state: MonitorState, effect: MonitorEffect) {
    var state = state
    if key == .ctrlC { return (state, .quit) }
    if key == .resize { return (state, .none) }
    if key == .ctrl("l") { return (state, .repaint) }
    if state.isShowingHelp {
      if key == .char("q") { return (state, .quit) }
      state.isShowingHelp = false
      return (state, .none)
    }
    if state.isEditingFilter { return (editFilter(state, key, model: model), .none) }
    switch key {
    case .char("q"): return (state, .quit)
    case .char("r"): return (state, .refresh)
    case .up, .char("k"): state = move(state, by: -1, model: model)
    case .down, .char("j"): state = move(state, by: 1, model: model)
    case .pageUp: state = move(state, by: -pageSize, model: model)
    case .pageDown: state = move(state, by: pageSize, model: model)
    case .home, .char("g"): state = move(state, by: Int.min / 2, model: model)
    case .end, .char("G"): state = move(state, by: Int.max / 2, model: model)
    case .enter:
      if MonitorItems.selectedIndex(state, model) != nil { state.isShowingDetails = true }
    case .escape:
      if state.isShowingDetails {
        state.isShowingDetails = false
      } else {
        state.filter = ""
      }
    case .tab, .right: state = show(state.screen.next, state)
    case .backTab, .left: state = show(state.screen.previous, state)
    case .char("1"): state = show(.nodes, state)
    case .char("2"): state = show(.workloads, state)
    case .char("3"): state = show(.events, state)
    case .char("/"):
      state.isEditingFilter = true
      state.isShowingDetails = false
    case .char("?"): state.isShowingHelp = true
    default: break
    }
    return (state, .none)
  }

  /// The frame for `model` in `state` at `now`: exactly `size.height` lines of `size.width` columns.
  public static func render(
    _ model: MonitorModel, _ state: MonitorState, size: TerminalSize, now: Date,
    styler: Styler = .plain
  ) -> [String] {
    MonitorRenderer(model: model, state: state, size: size, now: now).canvas().lines(
      styler: styler)
  }

  private static func editFilter(
    _ state: MonitorState, _ key: Key, model: MonitorModel
  ) -> MonitorState {
    var state = state
    switch key {
    case .char(let character):
      state.filter.append(character)
      state = reselect(state, model: model)
    case .backspace:
      if !state.filter.isEmpty { state.filter.removeLast() }
      state = reselect(state, model: model)
    case .ctrl("u"):
      state.filter = ""
      state = reselect(state, model: model)
    case .enter:
      state.isEditingFilter = false
    case .escape:
      state.filter = ""
      state.isEditingFilter = false
    case .up: state = move(state, by: -1, model: model)
    case .down: state = move(state, by: 1, model: model)
    default: break
    }
    return state
  }

  private static func show(_ screen: MonitorScreen, _ state: MonitorState) -> MonitorState {
    var state = state
    state.screen = screen
    state.isShowingDetails = false
    return state
  }

  /// Moves the current screen's selection by `offset` rows, stopping at the ends.
  private static func move(_ state: MonitorState, by offset: Int, model: MonitorModel)
    -> MonitorState
  {
    var state = state
    let ids = MonitorItems.ids(state.screen, model, filter: state.filter)
    guard let current = MonitorItems.selectedIndex(state.selections[state.screen], in: ids)
    else { return state }
    let target = min(max(0, current + offset), ids.count - 1)
    state.selections[state.screen] = MonitorState.Selection(id: ids[target], index: target)
    return state
  }

  /// Keeps the selection on its item if the filter still shows it, else on the first row.
  private static func reselect(_ state: MonitorState, model: MonitorModel) -> MonitorState {
    var state = state
    let ids = MonitorItems.ids(state.screen, model, filter: state.filter)
    if let id = state.selections[state.screen]?.id, let index = ids.firstIndex(of: id) {
      state.selections[state.screen] = MonitorState.Selection(id: id, index: index)
    } else {
      state.selections[state.screen] = MonitorState.Selection(id: ids.first, index: 0)
    }
    return state
  }
}
