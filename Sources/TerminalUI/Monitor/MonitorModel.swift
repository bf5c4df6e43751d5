import Foundation

/// Everything the monitor shows, as read by one refresh of a ``MonitorDataSource``.
public struct MonitorModel: Sendable, Hashable {
  /// The cluster's nodes (inventory hosts), in display order.
  public var nodes: [MonitorNode]
  /// Deployments, StatefulSets, DaemonSets and the like.
  public var workloads: [MonitorWorkload]
  /// Recent cluster events and cluster-mgr runs (any order; shown newest first).
  public var events: [MonitorEvent]
  /// Whether the cluster's API server answered this refresh.
  public var server: ServerStatus
  /// Other warnings to show in a banner, such as "tailscaled is not running".
  public var notices: [String]
  /// When this refresh finished; `nil` before the first one.
  public var refreshedAt: Date?

  /// Creates a model.
  public init(
    nodes: [MonitorNode] = [], workloads: [MonitorWorkload] = [], events: [MonitorEvent] = [],
    server: ServerStatus = .reachable, notices: [String] = [], refreshedAt: Date? = nil
  ) {
    self.nodes = nodes
    self.workloads = workloads
    self.events = events
    self.server = server
    self.notices = notices
    self.refreshedAt = refreshedAt
  }

  /// Nothing read yet.
  public static let empty = MonitorModel()
}

/// Whether the cluster state in a ``MonitorModel`` is current.
public enum ServerStatus: Sendable, Hashable {
  /// The server answered; cluster objects are current.
  case reachable
  /// The server did not answer; cluster objects are as of `lastContact` (`nil`: never read).
  case unreachable(lastContact: Date?)
}

/// A label and a value shown in a details view (addresses, labels, images…).
public struct MonitorDetail: Sendable, Hashable {
  /// What the value is.
  public var label: String
  /// The value.
  public var value: String

  /// Creates a detail line.
  public init(_ label: String, _ value: String) {
    self.label = label
    self.value = value
  }
}

/// Figures read from a host itself (`/proc/stat`, `/proc/meminfo`, `df`).
public struct NodeUsage: Sendable, Hashable {
  /// CPU busy percentage since the previous reading; `nil` until there are two readings.
  public var cpuPercent: Double?
  /// Memory in use (total minus available), in bytes.
  public var memoryUsedBytes: UInt64
  /// Total memory, in bytes.
  public var memoryTotalBytes: UInt64
  /// Used space on the root filesystem, in bytes.
  public var diskUsedBytes: UInt64
  /// Size of the root filesystem, in bytes.
  public var diskTotalBytes: UInt64

  /// Creates usage figures.
  public init(
    cpuPercent: Double?, memoryUsedBytes: UInt64, memoryTotalBytes: UInt64,
    diskUsedBytes: UInt64, diskTotalBytes: UInt64
  ) {
    self.cpuPercent = cpuPercent
    self.memoryUsedBytes = memoryUsedBytes
    self.memoryTotalBytes = memoryTotalBytes
    self.diskUsedBytes = diskUsedBytes
    self.diskTotalBytes = diskTotalBytes
  }
}

/// One node: what Kubernetes, the tailnet and the host itself say about it.
public struct MonitorNode: Sendable, Hashable {
  /// The inventory (and Kubernetes) name.
  public var name: String
  /// `server` or `agent`.
  public var role: String
  /// The Kubernetes Ready condition; `nil` when unknown (not registered, or no server).
  public var ready: Bool?
  /// Whether the tailnet sees it online; `nil` when unknown.
  public var tailnetOnline: Bool?
  /// Cordoned (`spec.unschedulable`): shown as `Ready,SchedulingDisabled` like kubectl.
  public var cordoned: Bool
  /// The kubelet's version, such as `v1.31.4+k3s1`.
  public var k3sVersion: String?
  /// The last figures read from the host (kept when a later read fails).
  public var usage: NodeUsage?
  /// When ``usage`` was read.
  public var usageReadAt: Date?
  /// Whether this refresh could read the host; if not, the monitor shows N/A and the last
  /// known figures with their age.
  public var isReadable: Bool
  /// GPUs the node offers (`nvidia.com/gpu`); `nil` when unknown.
  public var gpuCount: Int?
  /// When the node joined the cluster.
  public var createdAt: Date?
  /// More to show in the details view.
  public var details: [MonitorDetail]

  /// Creates a node.
  public init(
    name: String, role: String, ready: Bool? = nil, tailnetOnline: Bool? = nil,
    k3sVersion: String? = nil, usage: NodeUsage? = nil, usageReadAt: Date? = nil,
    isReadable: Bool = true, gpuCount: Int? = nil, createdAt: Date? = nil,
    details: [MonitorDetail] = [], cordoned: Bool = false
  ) {
    self.cordoned = cordoned
    self.name = name
    self.role = role
    self.ready = ready
    self.tailnetOnline = tailnetOnline
    self.k3sVersion = k3sVersion
    self.usage = usage
    self.usageReadAt = usageReadAt
    self.isReadable = isReadable
    self.gpuCount = gpuCount
    self.createdAt = createdAt
    self.details = details
  }
}

/// How healthy a workload is.
public enum WorkloadHealth: Sendable, Hashable {
  /// All replicas ready.
  case healthy
  /// Rolling out or scaling.
  case progressing
  /// Fewer replicas ready than desired.
  case degraded
  /// Failed (crash loops, failed job).
  case failed
  /// Not known.
  case unknown
}

/// One workload: a Deployment, StatefulSet, DaemonSet or Job.
public struct MonitorWorkload: Sendable, Hashable {
  /// Its namespace.
  public var namespace: String
  /// Its name.
  public var name: String
  /// Its kind, such as `Deployment`.
  public var kind: String
  /// Ready replicas.
  public var ready: Int
  /// Desired replicas.
  public var desired: Int
  /// Container restarts across its pods.
  public var restarts: Int
  /// Overall health.
  public var health: WorkloadHealth
  /// More to show in the details view (images, pods, conditions).
  public var details: [MonitorDetail]

  /// Creates a workload.
  public init(
    namespace: String, name: String, kind: String, ready: Int, desired: Int, restarts: Int = 0,
    health: WorkloadHealth, details: [MonitorDetail] = []
  ) {
    self.namespace = namespace
    self.name = name
    self.kind = kind
    self.ready = ready
    self.desired = desired
    self.restarts = restarts
    self.health = health
    self.details = details
  }
}

/// One event: from the cluster, or a cluster-mgr run from the run history.
public struct MonitorEvent: Sendable, Hashable {
  /// Where an event comes from.
  public enum Source: Sendable, Hashable {
    /// A Kubernetes event.
    case cluster
    /// A cluster-mgr run recorded in the history.
    case clusterMgr
  }

  /// How serious an event is.
  public enum Kind: Sendable, Hashable {
    /// Routine.
    case normal
    /// Worth a look.
    case warning
    /// Something failed.
    case error
  }

  /// When it happened (last seen).
  public var time: Date
  /// Where it comes from.
  public var source: Source
  /// How serious it is.
  public var kind: Kind
  /// What it is about, such as `pod/web-1` or `run 42`.
  public var object: String?
  /// What happened.
  public var message: String

  /// Creates an event.
  public init(time: Date, source: Source, kind: Kind, object: String? = nil, message: String) {
    self.time = time
    self.source = source
    self.kind = kind
    self.object = object
    self.message = message
  }
}
