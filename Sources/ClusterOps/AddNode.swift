import Basics
import Foundation
import Inventory
import OrderedCollections
import RunHistory
import Tailscale

/// What `cluster-mgr add-node` was asked to do.
public struct AddNodeRequest: Sendable {
  /// The inventory file.
  public var inventoryPath: String
  /// The host's name (the machine's hostname, which K3s registers as the node name).
  public var name: String
  /// The Tailscale address; nil means ask the tailnet.
  public var address: String?
  /// Server (control plane) or agent (worker).
  public var role: NodeRole
  /// The node has an NVIDIA GPU.
  public var gpu = false
  /// `reserved_cpu` (kube-reserved), such as `500m`.
  public var reservedCPU: String?
  /// `reserved_memory` (kube-reserved), such as `2Gi`.
  public var reservedMemory: String?
  /// Labels as `key=value` entries.
  public var labels: [String] = []
  /// Taints as `key=value:Effect` entries.
  public var taints: [String] = []
  /// `ansible_user` for this host.
  public var user: String?
  /// The local tailscaled's LocalAPI socket (nil: the default).
  public var tailscaleSocket: String?

  /// A request to add `name` as a `role` node to the inventory at `inventoryPath`.
  public init(inventoryPath: String, name: String, role: NodeRole) {
    self.inventoryPath = inventoryPath
    self.name = name
    self.role = role
  }
}

/// The checked change `add-node` will make to the inventory.
public struct AddNodePlan: Sendable {
  /// The inventory edit (one new host in one group).
  public let edit: InventoryEdit
  /// The group the host goes into.
  public let group: String
  /// The address written as `ansible_host` and `tailscale_ip`.
  public let address: String
  /// Where the address came from, for the user (`the tailnet`, `the command line`).
  public let addressSource: String
  /// Things the user should know (offline peer, address the tailnet does not know, ...).
  public let warnings: [String]
}

/// `cluster-mgr add-node`: validates a new node against the inventory and the tailnet, then adds
/// it to the right group, changing only the lines of its block.
public enum AddNodeOperation {
  /// Checks `request` against the inventory and the local tailscaled; throws before anything is
  /// written when the node cannot be added.
  public static func plan(_ request: AddNodeRequest) async throws -> AddNodePlan {
    let client = LocalAPIClient.locate(socket: request.tailscaleSocket, timeout: .seconds(5))
    let status: Result<TailscaleStatus, TailscaleError>
    do { status = .success(try await client.runningStatus(peers: true)) } catch {
      status = .failure(error)
    }
    return try plan(
      request, inventory: try InventoryLoader.load(path: request.inventoryPath), tailnet: status)
  }

  /// The plan for `request` given the inventory and what tailscaled answered.
  public static func plan(
    _ request: AddNodeRequest, inventory: ResolvedInventory,
    tailnet: Result<TailscaleStatus, TailscaleError>
  ) throws -> AddNodePlan {
    let name = request.name
    if let problem = ValueRules.nodeNameProblem(name) {
      throw AddNodeError(
        problem, remedy: "use the machine's hostname in lower case, as K3s registers it")
    }
    if let existing = inventory.hostNames.first(where: { $0.lowercased() == name.lowercased() }) {
      let groups = inventory.groups(ofHost: existing).filter { $0 != "all" }
      throw AddNodeError(
        "\(existing) is already in \(inventory.path) (groups: \(groups.joined(separator: ", ")))",
        remedy:
          "change its variables with `cluster-mgr config-set KEY VALUE --scope \(existing)`, or remove it first"
      )
    }
    let variables = try nodeVariables(request)
    var warnings: [String] = []
    let (address, source) = try resolveAddress(request, tailnet: tailnet, warnings: &warnings)
    for host in inventory.hostNames {
      let values = inventory.host(host)?.values ?? [:]
      for key in ["tailscale_ip", "ansible_host"] where values[key]?.stringValue == address {
        throw AddNodeError(
          "\(address) is already the \(key) of \(host) in \(inventory.path)",
          remedy: "every node needs its own address; check `cluster-mgr discover` for the right one"
        )
      }
    }
    var all: OrderedDictionary<String, InventoryValue> = [
      "ansible_host": .string(address), "tailscale_ip": .string(address),
    ]
    for (key, value) in variables { all[key] = value }
    let group = groupName(for: request.role, in: inventory)
    return AddNodePlan(
      edit: .addHost(name: name, group: group, variables: all), group: group, address: address,
      addressSource: source, warnings: warnings)
  }

  /// The hosts `add-node --provision` provisions, and why when it is more than the new node.
  ///
  /// A second server needs embedded etcd on the first one: a single server runs SQLite until it
  /// is restarted with `cluster-init` (K3s converts the datastore), so the first server is
  /// provisioned too in that case.
  public static func provisionLimit(for name: String, inventoryPath: String) throws -> (
    limit: String, note: String?
  ) {
    let servers = try InventoryLoader.load(path: inventoryPath).nodes().filter {
      $0.role == .server
    }
    guard servers.count == 2, servers.contains(where: { $0.name == name }),
      let first = servers.first(where: { $0.name != name })
    else { return (name, nil) }
    return (
      "\(first.name):\(name)",
      "\(first.name) is provisioned too: it becomes the first member of embedded etcd "
        + "(cluster-init; K3s converts its SQLite datastore and restarts) so that \(name) can join"
    )
  }

  /// The group a new node of `role` goes into: the role group that already holds hosts, else one
  /// that exists, else `control_plane` / `workers`.
  public static func groupName(for role: NodeRole, in inventory: ResolvedInventory) -> String {
    let candidates = role == .server ? inventory.serverGroups : inventory.agentGroups
    if let used = candidates.first(where: { !(inventory.group($0)?.hosts.isEmpty ?? true) }) {
      return used
    }
    if let existing = candidates.first(where: { inventory.group($0) != nil }) { return existing }
    return candidates[0]
  }

  /// The host variables the options ask for, each checked with the inventory's rules.
  static func nodeVariables(_ request: AddNodeRequest) throws -> OrderedDictionary<
    String, InventoryValue
  > {
    var variables: OrderedDictionary<String, InventoryValue> = [:]
    if let user = request.user {
      guard !user.isEmpty, !user.contains(where: { $0.isWhitespace || $0 == ":" }) else {
        throw AddNodeError("'\(user)' is not a user name")
      }
      variables["ansible_user"] = .string(user)
    }
    if request.gpu { variables["gpu"] = .bool(true) }
    if let cpu = request.reservedCPU {
      if let problem = ValueRules.cpuQuantityProblem(cpu) {
        throw AddNodeError("--reserved-cpu: " + problem)
      }
      variables["reserved_cpu"] = .string(cpu)
    }
    if let memory = request.reservedMemory {
      if let problem = ValueRules.memoryQuantityProblem(memory) {
        throw AddNodeError("--reserved-memory: " + problem)
      }
      variables["reserved_memory"] = .string(memory)
    }
    let labels = try parseLabels(request.labels)
    if !labels.isEmpty { variables["node_labels"] = .map(labels.mapValues { .string($0) }) }
    let taints = try parseTaints(request.taints)
    if !taints.isEmpty { variables["node_taints"] = .list(taints.map { .string($0.description) }) }
    return variables
  }

  /// `key=value` entries (each may itself be a comma-separated list) as labels.
  public static func parseLabels(_ entries: [String]) throws -> OrderedDictionary<String, String> {
    var labels: OrderedDictionary<String, String> = [:]
    for entry in entries.flatMap(commaSeparated) {
      guard let equals = entry.firstIndex(of: "=") else {
        throw AddNodeError(
          "label '\(entry)' has no value",
          remedy: "write labels as key=value, e.g. --labels gpu=true,zone=desk")
      }
      let key = String(entry[..<equals])
      let value = String(entry[entry.index(after: equals)...])
      if let problem = ValueRules.labelKeyProblem(key) ?? ValueRules.labelValueProblem(value) {
        throw AddNodeError("--labels: " + problem)
      }
      if labels[key] != nil { throw AddNodeError("--labels: label key '\(key)' is given twice") }
      labels[key] = value
    }
    return labels
  }

  /// `key=value:Effect` entries (each may itself be a comma-separated list) as taints.
  public static func parseTaints(_ entries: [String]) throws -> [NodeTaint] {
    try entries.flatMap(commaSeparated).map { entry in
      switch NodeTaint.parse(entry) {
      case .success(let taint): return taint
      case .failure(let error): throw AddNodeError("--taints: " + error.message)
      }
    }
  }

  static func commaSeparated(_ text: String) -> [String] {
    text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter {
      !$0.isEmpty
    }
  }

  /// Writes `plan` to the inventory (nothing when `dryRun`) and records the change in the run
  /// history (not for a dry run).
  public static func apply(
    _ plan: AddNodePlan, request: AddNodeRequest, dryRun: Bool,
    commandLine: [String] = CommandLine.arguments
  ) async throws -> (InventoryFile.WriteResult, runID: Int64?, historyWarning: String?) {
    if dryRun {
      return (
        try await InventoryFile(path: request.inventoryPath).apply([plan.edit], dryRun: true), nil, nil
      )
    }
    let history = await OperationHistory.begin(
      command: "add-node", commandLine: commandLine, inventoryPath: request.inventoryPath,
      redactor: SecretRedactor())
    let started = ContinuousClock.now
    do {
      let result = try await InventoryFile(path: request.inventoryPath).apply([plan.edit])
      let diff = result.changes.map {
        LineDiff.unified(old: $0.value.old, new: $0.value.new, file: $0.key)
      }.joined()
      history.record(
        host: request.name, step: "add to group \(plan.group) of the inventory", status: .changed,
        started: started, message: "address \(plan.address) from \(plan.addressSource)", diff: diff)
      let id = await history.finish(.succeeded)
      return (result, id, history.warning)
    } catch {
      history.record(
        host: request.name, step: "add to group \(plan.group) of the inventory", status: .failed,
        started: started,
        message: (error as? any OperatorError)?.message ?? "\(error)")
      await history.finish(.failed)
      throw error
    }
  }
}

/// `add-node` cannot add the node as asked.
public struct AddNodeError: OperatorError {
  public let message: String
  public var remedy: String?
  public var exitStatus: Int32

  /// Creates the error (invalid input unless said otherwise).
  public init(_ message: String, remedy: String? = nil, exitStatus: Int32 = ExitStatus.invalidInput)
  {
    self.message = message
    self.remedy = remedy
    self.exitStatus = exitStatus
  }
}
