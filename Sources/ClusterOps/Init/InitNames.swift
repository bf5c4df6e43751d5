import Basics
import Inventory
import OrderedCollections
import Tailscale

/// Which tailnet machines `init` puts into the inventory, and in which role.
enum InitNames {
  /// Refuses a request whose names or cluster name cannot work, before the tailnet is asked.
  static func check(_ request: InitRequest) throws {
    if let problem = ValueRules.dnsLabelProblem(request.clusterName, what: "the cluster name") {
      throw InitError(problem, remedy: "pass --cluster-name with a name like homelab")
    }
    guard !request.servers.isEmpty else {
      throw InitError(
        "a cluster needs a K3s server: name one with --server NAME",
        remedy: "see the tailnet's machines with `cluster-mgr discover --online-only`")
    }
    let servers = Set(request.servers.map { $0.lowercased() })
    if let both = request.workers.first(where: { servers.contains($0.lowercased()) }) {
      throw InitError(
        "\(both) is named both with --server and --worker; a node is one or the other")
    }
  }

  /// The nodes `request` names, servers first (in the order given), each an online Linux
  /// machine of `tailnet`.
  static func resolve(_ request: InitRequest, in tailnet: TailscaleStatus) throws -> [InitNode] {
    let candidates = InitCandidate.all(in: tailnet)
    let gpus = Set(try request.gpus.map { try candidate($0, tailnet, candidates).name })
    var nodes: OrderedDictionary<String, InitNode> = [:]
    let roles =
      request.servers.map { ($0, NodeRole.server) }
      + (request.workers + request.gpus).map { ($0, NodeRole.agent) }
    for (name, role) in roles {
      let machine = try candidate(name, tailnet, candidates)
      if nodes[machine.name] != nil { continue }
      nodes[machine.name] = InitNode(
        name: machine.name, role: role, gpu: gpus.contains(machine.name))
    }
    return Array(nodes.values)
  }

  /// The candidate `name` means (MagicDNS label, full name or host name).
  private static func candidate(
    _ name: String, _ tailnet: TailscaleStatus, _ candidates: [InitCandidate]
  ) throws -> InitCandidate {
    let node: TailnetNode
    do { node = try tailnet.peer(named: name) } catch {
      throw InitError(
        "\(name) is not a machine of this tailnet",
        remedy: "choose among: " + list(candidates))
    }
    guard let address = node.ipv4,
      let match = candidates.first(where: { $0.address == address })
    else {
      let why = node.os.lowercased() == "linux" ? "offline" : "not a Linux machine (\(node.os))"
      throw InitError(
        "\(name) is \(why); init offers the tailnet's online Linux machines",
        remedy: "choose among: " + list(candidates))
    }
    return match
  }

  private static func list(_ candidates: [InitCandidate]) -> String {
    candidates.isEmpty
      ? "(none is online)"
      : candidates.map { "\($0.name) (\($0.address)\($0.isSelf ? ", this machine" : ""))" }
        .joined(separator: ", ")
  }
}

/// `init` cannot write the inventory it was asked for (exit status 2: invalid input).
public struct InitError: OperatorError {
  public let message: String
  public let remedy: String?
  public var exitStatus: Int32 { ExitStatus.invalidInput }

  /// An error saying `message`, with `remedy` when there is something to do.
  public init(_ message: String, remedy: String? = nil) {
    self.message = message
    self.remedy = remedy
  }
}
