/// The state of every host in a run, updated event by event (a pure model: time comes in).
public struct ProgressModel: Sendable, Hashable {
  /// The hosts, in the order given (hosts named only by events are appended).
  public private(set) var hosts: [HostProgress]

  /// A run over `hosts`, none started.
  public init(hosts: [String]) {
    self.hosts = []
    for host in hosts where !self.hosts.contains(where: { $0.host == host }) {
      self.hosts.append(HostProgress(host: host))
    }
  }

  /// Applies `event`, which happened at `time` since the run started.
  public mutating func apply(_ event: ProgressEvent, at time: Duration) {
    switch event {
    case .hostStarted(let host):
      update(host) { progress in
        progress.phase = .running
        progress.startedAt = progress.startedAt ?? time
      }
    case .taskStarted(let host, let role, let task):
      update(host) { progress in
        progress.role = role
        progress.task = task
        progress.startedAt = progress.startedAt ?? time
        if !progress.phase.isFinished { progress.phase = .running }
      }
    case .taskFinished(let host, let role, let task, let outcome, _, _):
      update(host) { progress in
        progress.role = role
        progress.task = task
        progress.counts.record(outcome)
        progress.startedAt = progress.startedAt ?? time
        if progress.phase == .waiting { progress.phase = .running }
      }
    case .hostFinished(let host):
      update(host) { progress in
        progress.phase =
          progress.counts.unreachable > 0
          ? .unreachable : progress.counts.failed > 0 ? .failed : .done
        progress.startedAt = progress.startedAt ?? time
        progress.finishedAt = time
      }
    case .message:
      break
    }
  }

  private mutating func update(_ host: String, _ change: (inout HostProgress) -> Void) {
    if let index = hosts.firstIndex(where: { $0.host == host }) {
      change(&hosts[index])
    } else {
      var progress = HostProgress(host: host)
      change(&progress)
      hosts.append(progress)
    }
  }
}
