import Basics
import Foundation
import Inventory
import Kubernetes
import RunHistory
import SSHTransport
import TerminalUI

/// The monitor's data (`cluster-mgr tui`): each host's CPU, memory and disk read over SSH with
/// one command per refresh, cluster objects from the Kubernetes API (one list per kind per
/// refresh, and a watch on events that is kept open: a new event is drawn as it arrives), the
/// tailnet from the LocalAPI, and cluster-mgr's recent runs from the run history.
///
/// A refresh waits at most `budget` for hosts and the server. What did not answer in time is
/// reported as unreadable (hosts) or unreachable (server) and its request keeps running; the
/// next refresh picks it up instead of starting another, so a hung host costs nothing more.
public actor MonitorClusterSource: MonitorDataSource {
  private let context: ClusterContext
  private let tailscaleSocket: String?
  private let history: HistoryStore?
  private let budget: Duration
  private let hostTimeout: Duration
  private let connections: MonitorConnections
  private var access: ClusterAccess
  private var pendingCluster: Task<MonitorClusterSnapshot, any Error>?
  private var pendingHosts: [String: Task<StatusHostReading, any Error>] = [:]
  private var lastCPU: [String: StatusCPUTimes] = [:]
  private var lastSnapshot: MonitorClusterSnapshot?
  /// Events as the watch keeps them (by uid), newest kept.
  private var liveEvents: [String: MonitorEvent] = [:]
  private var eventWatch: Task<Void, Never>?
  private var lastModel: MonitorModel?
  private var runEvents: [MonitorEvent] = []
  private nonisolated let modelUpdates: AsyncStream<MonitorModel>
  private nonisolated let modelContinuation: AsyncStream<MonitorModel>.Continuation

  /// A source for `context`'s hosts; `budget` bounds each refresh, `hostTimeout` each remote
  /// command.
  public init(
    context: ClusterContext, tailscaleSocket: String?, history: HistoryStore? = HistoryStore(),
    budget: Duration = .seconds(4), hostTimeout: Duration = .seconds(15)
  ) {
    self.context = context
    self.tailscaleSocket = tailscaleSocket
    self.history = history
    self.budget = budget
    self.hostTimeout = hostTimeout
    connections = MonitorConnections(options: context.sessions.options)
    access = ClusterAccess(context: context.withNewSessions(), say: { _ in })
    (modelUpdates, modelContinuation) = AsyncStream.makeStream(
      of: MonitorModel.self, bufferingPolicy: .bufferingNewest(1))
  }

  /// The model again each time the event watch brings a new event.
  public nonisolated func updates() -> AsyncStream<MonitorModel> { modelUpdates }

  /// Reads everything once, within the budget.
  public func refresh() async throws -> MonitorModel {
    let deadline = ContinuousClock.now + budget
    startHostReads()
    let cluster = startClusterRead()
    async let tailnetRead = StatusTailnet.read(
      socket: tailscaleSocket, nodes: context.nodes, timeout: min(budget, .seconds(3)))
    async let runsRead = readRuns()
    let hosts = await collectHosts(by: deadline)
    let clusterResult = await MonitorDeadline.result(of: cluster, by: deadline)
    let (tailnet, runs) = await (tailnetRead, runsRead)
    try Task.checkCancellation()

    var notices: [String] = []
    var server = ServerStatus.reachable
    switch clusterResult {
    case .success(let snapshot)?:
      pendingCluster = nil
      lastSnapshot = snapshot
    case .failure(let error)?:
      pendingCluster = nil
      let broken = access
      access = ClusterAccess(context: context.withNewSessions(), say: { _ in })
      eventWatch?.cancel()
      eventWatch = nil
      Task.detached {
        await broken.closeAPI()
        await broken.context.sessions.closeAll()
      }
      server = .unreachable(lastContact: lastSnapshot?.readAt)
      notices.append(StatusOperation.describe(error))
    case nil:
      server = .unreachable(lastContact: lastSnapshot?.readAt)
      notices.append("the API did not answer within \(Self.seconds(budget))")
    }
    if let notice = await access.tunnelNotice { notices.append(notice) }
    if let problem = tailnet.problem { notices.append("tailnet state unknown: \(problem)") }
    if let problem = runs.problem { notices.append("run history: \(problem)") }
    let current = server == .reachable
    let nodes = MonitorNodes.rows(
      inventory: context.nodes, cluster: lastSnapshot, clusterIsCurrent: current,
      tailnet: tailnet, hosts: hosts)
    runEvents = runs.events
    let model = MonitorModel(
      nodes: nodes, workloads: current ? lastSnapshot?.workloads ?? [] : [],
      events: (current ? clusterEvents() : []) + runs.events, server: server,
      notices: notices, refreshedAt: Date())
    lastModel = model
    return model
  }

  /// Closes the SSH connections (in the background: some may be stuck on a dead host).
  public func close() async {
    eventWatch?.cancel()
    modelContinuation.finish()
    await connections.closeAll()
    await access.closeAPI()
    await access.context.sessions.closeAll()
  }

  // MARK: - Hosts

  /// Starts a read on every host that has none running.
  private func startHostReads() {
    for node in context.nodes where pendingHosts[node.name] == nil {
      guard let target = context.targets[node.name] else { continue }
      let first = lastCPU[node.name] == nil
      let connections = connections
      let timeout = hostTimeout
      pendingHosts[node.name] = Task.detached {
        try await Self.readHost(target, connections: connections, sample: first, timeout: timeout)
      }
    }
  }

  /// One host's figures; a failed read drops its connection.
  private static func readHost(
    _ target: SSHTarget, connections: MonitorConnections, sample: Bool, timeout: Duration
  ) async throws -> StatusHostReading {
    do {
      let connection = try await connections.connection(to: target)
      return try await StatusHostUsage.read(
        connection, sampleInterval: sample ? .milliseconds(250) : nil, timeout: timeout)
    } catch {
      await connections.forget(target.name)
      throw error
    }
  }

  /// What each host's read gave by `deadline`; CPU is the busy share since the previous read.
  private func collectHosts(by deadline: ContinuousClock.Instant) async -> [String:
    MonitorHostState]
  {
    var states: [String: MonitorHostState] = [:]
    for node in context.nodes {
      guard let task = pendingHosts[node.name] else {
        states[node.name] = .unreadable("no SSH target")
        continue
      }
      switch await MonitorDeadline.result(of: task, by: deadline) {
      case .success(let reading)?:
        pendingHosts[node.name] = nil
        let cpu =
          reading.sampledCPUPercent
          ?? lastCPU[node.name].flatMap { reading.cpu.busyPercent(since: $0) }
        lastCPU[node.name] = reading.cpu
        let usage = NodeUsage(
          cpuPercent: cpu, memoryUsedBytes: reading.memoryUsedBytes,
          memoryTotalBytes: reading.memoryTotalBytes, diskUsedBytes: reading.diskUsedBytes,
          diskTotalBytes: reading.diskTotalBytes)
        states[node.name] = .read(usage, at: reading.readAt)
      case .failure(let error)?:
        pendingHosts[node.name] = nil
        lastCPU[node.name] = nil
        states[node.name] = .unreadable(StatusOperation.describe(error))
      case nil:
        states[node.name] = .unreadable(
          "no answer within \(Self.seconds(budget)) (still waiting for it)")
      }
    }
    return states
  }

  // MARK: - Cluster, runs

  /// The running cluster read, or a new one.
  private func startClusterRead() -> Task<MonitorClusterSnapshot, any Error> {
    if let pendingCluster { return pendingCluster }
    let access = access
    let task = Task.detached {
      let client = try await access.api()
      let snapshot = try await Self.readCluster(client, server: await access.apiServer ?? "server")
      await self.watchEvents(client, from: snapshot.eventsResourceVersion, seed: snapshot)
      return snapshot
    }
    pendingCluster = task
    return task
  }

  /// One list per kind, all at once, sorted into nodes, pods, workloads and events.
  static func readCluster(_ client: KubeClient, server: String) async throws
    -> MonitorClusterSnapshot
  {
    let kinds: [(ResourceType, String)] = [
      (.node, "Node"), (.pod, "Pod"), (.deployment, "Deployment"), (.daemonSet, "DaemonSet"),
      (.statefulSet, "StatefulSet"), (.event, "Event"),
    ]
    let lists = try await withThrowingTaskGroup(of: (Int, KubeList).self) { group in
      for (index, kind) in kinds.enumerated() {
        group.addTask { (index, try await client.list(kind.0)) }
      }
      var lists = [KubeList?](repeating: nil, count: kinds.count)
      for try await (index, list) in group { lists[index] = list }
      return lists.compactMap { $0 }
    }
    let items = zip(kinds, lists).flatMap { kind, list in
      list.items.map { $0.setting("kind", to: .string(kind.1)) }
    }
    let list: [String: Any] = ["items": items.map(\.foundation)]
    var snapshot = MonitorClusterSnapshot(list: list, server: server, readAt: Date())
    let flux = await FluxStatus.read(client)
    snapshot.workloads += flux.monitorWorkloads
    snapshot.eventsResourceVersion = lists.last?.resourceVersion ?? ""
    snapshot.eventsByUID = MonitorClusterSnapshot.eventsByUID(lists.last?.items ?? [])
    return snapshot
  }

  /// Keeps a watch on events open from the list's resourceVersion (started once; started again
  /// after the API failed).
  private func watchEvents(
    _ client: KubeClient, from resourceVersion: String, seed snapshot: MonitorClusterSnapshot
  ) {
    if eventWatch == nil || liveEvents.isEmpty { liveEvents = snapshot.eventsByUID }
    guard eventWatch == nil else { return }
    eventWatch = Task.detached { [weak self] in
      var version = resourceVersion
      while !Task.isCancelled {
        do {
          for try await event in client.watch(
            .event, resourceVersion: version, timeout: .seconds(300))
          {
            if let next = event.object[path: ["metadata", "resourceVersion"]]?.string {
              version = next
            }
            guard event.type == "ADDED" || event.type == "MODIFIED" else { continue }
            await self?.received(event.object)
          }
        } catch {
          // An expired resourceVersion or a lost connection: list again, then watch on.
          try? await Task.sleep(for: .seconds(1))
          if let list = try? await client.list(.event) {
            version = list.resourceVersion
            await self?.reseed(list.items)
          }
        }
      }
    }
  }

  private func received(_ object: JSONValue) {
    guard let uid = object[path: ["metadata", "uid"]]?.string,
      let event = MonitorWorkloads.event(object.foundation as? [String: Any] ?? [:])
    else { return }
    liveEvents[uid] = event
    guard var model = lastModel, model.server == .reachable else { return }
    model.events = clusterEvents() + runEvents
    lastModel = model
    modelContinuation.yield(model)
  }

  private func reseed(_ items: [JSONValue]) {
    liveEvents = MonitorClusterSnapshot.eventsByUID(items)
  }

  /// The newest cluster events the watch keeps.
  private func clusterEvents() -> [MonitorEvent] {
    let events = liveEvents.isEmpty ? lastSnapshot?.events ?? [] : Array(liveEvents.values)
    return Array(events.sorted { $0.time > $1.time }.prefix(MonitorClusterSnapshot.eventLimit))
  }

  /// Recent runs as events, or why the history could not be read.
  private func readRuns() async -> (events: [MonitorEvent], problem: String?) {
    guard let history else { return ([], nil) }
    do {
      let runs = try await history.recentRuns(
        since: Date().addingTimeInterval(-MonitorRuns.window), limit: MonitorRuns.limit,
        cluster: context.settings.clusterName)
      return (runs.map(MonitorRuns.event), nil)
    } catch {
      return ([], error.message)
    }
  }

  private static func seconds(_ duration: Duration) -> String {
    "\(duration.components.seconds) s"
  }
}

extension ClusterContext {
  /// The same context with connections of its own (a broken one is never reused).
  func withNewSessions() -> ClusterContext {
    ClusterContext(
      inventory: inventory, nodes: nodes, settings: settings, targets: targets,
      sessions: SSHSessions(options: sessions.options, forks: sessions.forks),
      redactor: redactor)
  }
}
