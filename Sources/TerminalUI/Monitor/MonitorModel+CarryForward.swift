import Foundation

extension MonitorModel {
  /// This refresh completed with what `previous` knew where this one could not read anything:
  /// an unreadable host keeps its last figures (with their time), and when the server is
  /// unreachable the last cluster state stays, marked with when it was last read.
  public func carryingForward(from previous: MonitorModel) -> MonitorModel {
    var result = self
    let earlier = Dictionary(
      previous.nodes.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
    for index in result.nodes.indices {
      guard let old = earlier[result.nodes[index].name] else { continue }
      var node = result.nodes[index]
      if node.usage == nil, let usage = old.usage {
        node.usage = usage
        node.usageReadAt = old.usageReadAt
      }
      if case .unreachable = server {
        node.ready = node.ready ?? old.ready
        node.k3sVersion = node.k3sVersion ?? old.k3sVersion
        node.gpuCount = node.gpuCount ?? old.gpuCount
        node.createdAt = node.createdAt ?? old.createdAt
      }
      result.nodes[index] = node
    }
    guard case .unreachable(let lastContact) = server else { return result }
    if result.workloads.isEmpty { result.workloads = previous.workloads }
    let known = Set(result.events)
    result.events += previous.events.filter { !known.contains($0) }
    let previousContact: Date? =
      switch previous.server {
      case .reachable: previous.refreshedAt
      case .unreachable(let date): date
      }
    result.server = .unreachable(lastContact: lastContact ?? previousContact)
    return result
  }
}
