import Basics
import Foundation
import Inventory
import OrderedCollections
import Tailscale

/// The files `init` writes: checked, not yet on disk.
public struct InitResult: Sendable {
  /// Path → text, the inventory first.
  public let files: OrderedDictionary<String, String>
  /// The hosts, in inventory order, with the group each went into.
  public let hosts: [(name: String, group: String, address: String)]
  /// Warnings of the new inventory (an even number of servers, ...).
  public let warnings: [InventoryDiagnostic]
}

/// `cluster-mgr init`: a first inventory from the machines of the tailnet.
public enum InitOperation {
  /// Asks the local tailscaled for the tailnet (the status `init` chooses nodes from).
  public static func tailnet(socket: String?) async throws -> TailscaleStatus {
    try await LocalAPIClient.locate(socket: socket, timeout: .seconds(5)).runningStatus(peers: true)
  }

  /// Throws when a file `request` would write exists already.
  public static func refuseExistingFiles(_ request: InitRequest) throws {
    try NewInventoryFiles.refuseExisting(
      [request.inventoryPath] + (InitText.groupVarsPath(request).map { [$0] } ?? []))
  }

  /// The inventory (and group_vars file) for `request`, checked: it loads and validates.
  public static func render(_ request: InitRequest, tailnet: TailscaleStatus) throws -> InitResult {
    try InitNames.check(request)
    let chosen = try InitNames.resolve(request, in: tailnet)
    var files: [String: String] = [request.inventoryPath: InitText.inventoryHeader(request)]
    let groupVarsPath = InitText.groupVarsPath(request)
    if let groupVarsPath { files[groupVarsPath] = InitText.groupVarsHeader(request) }
    var edits: [InventoryEdit] = [
      .setVariable(key: "cluster_name", value: .string(request.clusterName), scope: .all),
      .setVariable(key: "k3s_version", value: InitText.defaultK3sVersion, scope: .all),
    ]
    let skeleton = try InventoryLoader.load(
      path: request.inventoryPath, text: files[request.inventoryPath]!)
    var hosts: [(name: String, group: String, address: String)] = []
    for node in chosen {
      var add = AddNodeRequest(
        inventoryPath: request.inventoryPath, name: node.name, role: node.role)
      add.gpu = node.gpu
      let plan = try AddNodeOperation.plan(add, inventory: skeleton, tailnet: .success(tailnet))
      edits.append(plan.edit)
      hosts.append((node.name, plan.group, plan.address))
    }
    var editor = InventoryEditor(path: request.inventoryPath, files: files)
    let edited = try editor.apply(edits)
    var written: OrderedDictionary<String, String> = [:]
    for path in [request.inventoryPath] + (groupVarsPath.map { [$0] } ?? []) {
      written[path] = edited.changedFiles[path] ?? files[path]
    }
    if let error = InventoryValidator.validate(edited.inventory).first(where: \.isError) {
      throw InventoryError([error])
    }
    return InitResult(files: written, hosts: hosts, warnings: edited.warnings)
  }

  /// Writes the files of `result`; refuses (writing nothing) when any of them exists.
  public static func write(_ result: InitResult) throws {
    try NewInventoryFiles.create(result.files)
  }
}

/// One machine `init` puts into the inventory.
struct InitNode {
  let name: String
  let role: NodeRole
  let gpu: Bool
}
