/// The monitor's screens, in Tab order.
public enum MonitorScreen: Int, Sendable, Hashable, CaseIterable {
  /// Nodes with their readiness and live figures.
  case nodes
  /// Workloads with their replicas and health.
  case workloads
  /// Cluster events and cluster-mgr runs.
  case events

  /// The name shown in the title bar.
  public var title: String {
    switch self {
    case .nodes: "Nodes"
    case .workloads: "Workloads"
    case .events: "Events"
    }
  }

  /// The screen after this one (wrapping around).
  var next: MonitorScreen { MonitorScreen(rawValue: (rawValue + 1) % 3)! }
  /// The screen before this one (wrapping around).
  var previous: MonitorScreen { MonitorScreen(rawValue: (rawValue + 2) % 3)! }
}

/// The monitor's interface state: what is shown and selected, independent of the data.
public struct MonitorState: Sendable, Hashable {
  /// The selected row of a screen: by identity, with its position as a fallback.
  struct Selection: Sendable, Hashable {
    /// The selected item's identity (see ``MonitorItems``).
    var id: String?
    /// Its position when selected, used when the item disappears.
    var index: Int
  }

  /// The screen shown.
  public var screen: MonitorScreen = .nodes
  /// Whether the filter of the current screen is being typed.
  public var isEditingFilter = false
  /// Whether the help overlay is shown.
  public var isShowingHelp = false
  /// Whether the details of the selected item are shown instead of the list.
  public var isShowingDetails = false
  /// Whether a refresh is running (set by the loop).
  public var isRefreshing = false
  /// Why the last refresh failed, if it did (set by the loop).
  public var refreshError: String?
  /// Each screen's filter text.
  var filters: [MonitorScreen: String] = [:]
  /// Each screen's selection.
  var selections: [MonitorScreen: Selection] = [:]

  /// The initial state: the Nodes screen, nothing filtered.
  public init() {}

  /// The current screen's filter text ("" when none).
  public var filter: String {
    get { filters[screen] ?? "" }
    set { filters[screen] = newValue.isEmpty ? nil : newValue }
  }
}

/// What the loop must do after a key, besides showing the new state.
public enum MonitorEffect: Sendable, Hashable {
  /// Nothing more.
  case none
  /// Start a refresh now (unless one is running).
  case refresh
  /// Repaint the whole screen (Ctrl-L).
  case repaint
  /// Leave the monitor.
  case quit
}
