import Foundation

/// The items of each screen after filtering, with their identities and the selected one.
struct MonitorItems {
  /// The nodes matching `filter`.
  static func nodes(_ model: MonitorModel, filter: String) -> [MonitorNode] {
    model.nodes.filter {
      matches(
        filter,
        [
          $0.name, $0.role, $0.k3sVersion ?? "", readyText($0.ready, cordoned: $0.cordoned),
          tailnetText($0.tailnetOnline), $0.isReadable ? "" : "N/A",
        ])
    }
  }

  /// The workloads matching `filter`.
  static func workloads(_ model: MonitorModel, filter: String) -> [MonitorWorkload] {
    model.workloads.filter {
      matches(filter, [$0.namespace, $0.name, $0.kind, healthText($0.health)])
    }
  }

  /// The events matching `filter`, newest first.
  static func events(_ model: MonitorModel, filter: String) -> [MonitorEvent] {
    let sorted = model.events.enumerated().sorted {
      ($0.element.time, -$0.offset) > ($1.element.time, -$1.offset)
    }.map(\.element)
    return sorted.filter {
      matches(
        filter,
        [sourceText($0.source), kindText($0.kind), $0.object ?? "", $0.message])
    }
  }

  /// The identities of the items `screen` shows under `filter`, in display order.
  static func ids(_ screen: MonitorScreen, _ model: MonitorModel, filter: String) -> [String] {
    switch screen {
    case .nodes: nodes(model, filter: filter).map(\.name)
    case .workloads: workloads(model, filter: filter).map(id)
    case .events: events(model, filter: filter).map(id)
    }
  }

  /// The index of the selected item among `ids`, or `nil` when there are none.
  static func selectedIndex(_ selection: MonitorState.Selection?, in ids: [String]) -> Int? {
    guard !ids.isEmpty else { return nil }
    guard let selection else { return 0 }
    if let id = selection.id, let index = ids.firstIndex(of: id) { return index }
    return min(max(0, selection.index), ids.count - 1)
  }

  /// The selected index on the state's current screen.
  static func selectedIndex(_ state: MonitorState, _ model: MonitorModel) -> Int? {
    selectedIndex(
      state.selections[state.screen], in: ids(state.screen, model, filter: state.filter))
  }

  static func id(_ workload: MonitorWorkload) -> String {
    "\(workload.namespace)/\(workload.kind)/\(workload.name)"
  }

  static func id(_ event: MonitorEvent) -> String {
    "\(event.time.timeIntervalSince1970)|\(event.source)|\(event.object ?? "")|\(event.message)"
  }

  private static func matches(_ filter: String, _ fields: [String]) -> Bool {
    guard !filter.isEmpty else { return true }
    return fields.contains { $0.range(of: filter, options: .caseInsensitive) != nil }
  }

  static func readyText(_ ready: Bool?, cordoned: Bool = false) -> String {
    let text =
      switch ready {
      case true?: "Ready"
      case false?: "NotReady"
      case nil: "Unknown"
      }
    return cordoned ? text + ",SchedulingDisabled" : text
  }

  static func tailnetText(_ online: Bool?) -> String {
    switch online {
    case true?: "online"
    case false?: "offline"
    case nil: "unknown"
    }
  }

  static func healthText(_ health: WorkloadHealth) -> String {
    switch health {
    case .healthy: "Healthy"
    case .progressing: "Progressing"
    case .degraded: "Degraded"
    case .failed: "Failed"
    case .unknown: "Unknown"
    }
  }

  static func sourceText(_ source: MonitorEvent.Source) -> String {
    switch source {
    case .cluster: "cluster"
    case .clusterMgr: "cluster-mgr"
    }
  }

  static func kindText(_ kind: MonitorEvent.Kind) -> String {
    switch kind {
    case .normal: "Normal"
    case .warning: "Warning"
    case .error: "Error"
    }
  }
}
