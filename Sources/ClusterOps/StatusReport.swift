import Basics
import Foundation

/// `cluster-mgr status`: each node as the cluster's API, the tailnet and the host itself see
/// it, and the pods on request.
public struct StatusReport: Sendable {
  /// Whether the cluster's API answered, through which server, or which servers were tried.
  public enum Server: Sendable, Hashable {
    /// The API answered: `name` is the server its URL names, `route` how it was reached (the
    /// URL, or the SSH tunnel).
    case reachable(name: String, route: String?)
    /// No server answered; `tried` are the inventory's servers, `message` says what each did.
    case unreachable(message: String, tried: [String])
  }

  /// Amounts of one resource: capacity, allocatable (capacity minus reservations) and what
  /// pods request.
  struct Resource: Sendable, Hashable {
    var capacity: Double?
    var allocatable: Double?
    var requested: Double
  }

  /// Figures read from the host itself.
  struct HostFigures: Sendable, Hashable {
    var cpuPercent: Double?
    var cores: Int?
    var memoryUsedBytes: UInt64
    var memoryTotalBytes: UInt64
    var diskUsedBytes: UInt64
    var diskTotalBytes: UInt64
    var readAt: Date
  }

  /// One row: an inventory host, a cluster node, or both.
  struct Node: Sendable, Hashable {
    var name: String
    var inInventory: Bool
    /// `server` or `agent` from the inventory's groups.
    var inventoryRole: String?
    /// The node object, when the server answered and the node is registered.
    var kube: StatusKubeNode?
    /// The Tailscale address: the tailnet's, else the inventory's `tailscale_ip`.
    var tailscaleIP: String?
    /// Online in the tailnet; nil when unknown.
    var tailnetOnline: Bool?
    /// CPU in millicores.
    var cpu: Resource?
    /// Memory in bytes.
    var memory: Resource?
    /// What the host said, when it could be read.
    var host: HostFigures?
    /// Why the host could not be read (nil when it was, or when it is not in the inventory).
    var hostProblem: String?
  }

  /// One pod, as `kubectl get pods` shows it.
  struct Pod: Sendable, Hashable {
    var namespace: String
    var name: String
    var ready: String
    var status: String
    var restarts: Int
    var node: String?
    var createdAt: Date?
  }

  /// The cluster's API.
  public var server: Server
  var nodes: [Node]
  /// Pods, when asked for (`--pods`), already filtered by namespace.
  var pods: [Pod]?
  /// Why the tailnet state is unknown, if it is.
  var tailnetProblem: String?
  /// How long the CPU was sampled on each host.
  var cpuSampleSeconds: Double
  /// When the report was made.
  var generatedAt: Date
  /// Flux's sources and Kustomizations (nil when the API did not answer).
  var flux: FluxStatus? = nil
  /// The capacity table, when asked for (`--capacity`).
  var capacity: StatusCapacity? = nil

  /// 0 when the server and every inventory host answered; 4 (unreachable) otherwise.
  public var exitStatus: Int32 {
    if case .unreachable = server { return ExitStatus.unreachable }
    if nodes.contains(where: { $0.hostProblem != nil }) { return ExitStatus.unreachable }
    return ExitStatus.success
  }

  /// Problems to print on standard error: `error: …` for the server, `warning: …` otherwise.
  public func problems() -> [String] {
    var lines: [String] = []
    if case .unreachable(let message, let tried) = server {
      let names = tried.isEmpty ? "the inventory has no server" : tried.joined(separator: ", ")
      lines.append(
        "error: the cluster's API is unreachable (servers tried: \(names)): \(message)\n"
          + "  fix: check that the servers are up and on the tailnet (cluster-mgr discover), "
          + "and that K3s runs on them (cluster-mgr provision); node readiness, versions and "
          + "requests are unknown until one answers")
    }
    if let tailnetProblem {
      lines.append("warning: tailnet state unknown: \(tailnetProblem)")
    }
    for node in nodes {
      if let problem = node.hostProblem {
        lines.append("warning: \(node.name): host figures unavailable: \(problem)")
      }
    }
    return lines
  }
}
