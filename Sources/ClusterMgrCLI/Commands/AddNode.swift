import ArgumentParser
import Basics
import ClusterOps
import Foundation
import Inventory
import OrderedCollections
import SSHTransport

extension ClusterMgr {
  /// `cluster-mgr add-node NAME [ADDRESS]`: a new node in the inventory, optionally provisioned.
  struct AddNode: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "add-node",
      abstract:
        "Add a machine of the tailnet to the inventory (and with --provision, to the cluster).",
      discussion: """
        Without ADDRESS the node's Tailscale address comes from the local tailscaled (the \
        tailnet node whose MagicDNS or host name is NAME); an offline node is added with a \
        warning. Refused: a name or address already in the inventory, a bad label, taint or \
        quantity. Only the new host's lines are written (to control_plane or workers, or the \
        role group the inventory already uses), atomically, with FILE.bak kept.

        --provision then provisions just this node, plus what the first server does for it \
        (labels, taints, the GPU device plugin), and waits until it is Ready. The change is \
        recorded in the run history.
        """)

    @Argument(help: "The machine's hostname (K3s registers the node under it).")
    var name: String

    @Argument(help: "Its Tailscale address (default: ask the tailnet).")
    var address: String?

    @Option(help: ArgumentHelp("worker or control-plane.", valueName: "role"))
    var role: RoleArgument

    @Flag(help: "The node has an NVIDIA GPU (container toolkit, device plugin label).")
    var gpu = false

    @Option(
      help: ArgumentHelp(
        "CPU kept from pods (kube-reserved), e.g. 500m or 2.", valueName: "quantity"))
    var reservedCPU: String?

    @Option(
      help: ArgumentHelp("Memory kept from pods (kube-reserved), e.g. 2Gi.", valueName: "quantity"))
    var reservedMemory: String?

    @Option(help: ArgumentHelp("Kubernetes labels: k=v,k2=v2 (repeatable).", valueName: "labels"))
    var labels: [String] = []

    @Option(
      help: ArgumentHelp("Kubernetes taints: k=v:NoSchedule,… (repeatable).", valueName: "taints"))
    var taints: [String] = []

    @Option(help: ArgumentHelp("SSH user for this host (ansible_user).", valueName: "user"))
    var user: String?

    @Flag(help: "Provision the node now and wait until it is Ready.")
    var provision = false

    @Flag(help: "Show the inventory change as a diff and write nothing.")
    var dryRun = false

    @Option(
      help: ArgumentHelp(
        "With --provision: push K3s from DIR/k3s/<version>/ instead of downloading on the host.",
        valueName: "dir"))
    var artifacts: String?

    @Option(
      name: [.customShort("e"), .long],
      help: ArgumentHelp(
        "With --provision: variables above every inventory source (repeatable).", valueName: "vars")
    )
    var extraVars: [String] = []

    @Option(
      help: ArgumentHelp(
        "With --provision: merge the admin kubeconfig into this file.", valueName: "path"))
    var kubeconfig: String?

    @Flag(help: "With --provision: do not touch the workstation's kubeconfig.")
    var noKubeconfig = false

    @Flag(
      name: .customShort("v"),
      help: "With --provision: more output (-v task output, -vv probe details).")
    var verbose: Int

    @Flag(
      help:
        "With --provision: remove a cluster lock another cluster-mgr command left on the first server (it says whose)."
    )
    var forceUnlock = false

    @OptionGroup var inventory: InventoryOptions
    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions

    /// `--role`: the words people use for the two K3s roles.
    enum RoleArgument: String, ExpressibleByArgument, CaseIterable {
      case worker, agent
      case controlPlane = "control-plane"
      case server

      var nodeRole: NodeRole { self == .worker || self == .agent ? .agent : .server }
    }

    func validate() throws {
      if provision && dryRun {
        throw ValidationError("--provision and --dry-run do not go together.")
      }
      if forceUnlock && !provision {
        throw ValidationError(
          "--force-unlock goes with --provision (only provisioning locks the cluster).")
      }
      if provision && output.isJSON {
        throw ValidationError(
          "--output json goes without --provision (then: cluster-mgr provision --limit NAME --output json)."
        )
      }
    }

    func run() async throws {
      try await reportingOperatorErrors {
        var request = AddNodeRequest(inventoryPath: inventory.path, name: name, role: role.nodeRole)
        request.address = address
        request.gpu = gpu
        request.reservedCPU = reservedCPU
        request.reservedMemory = reservedMemory
        request.labels = labels
        request.taints = taints
        request.user = user
        request.tailscaleSocket = connection.socket
        let plan = try await AddNodeOperation.plan(request)
        let (written, runID, historyWarning) = try await AddNodeOperation.apply(
          plan, request: request, dryRun: dryRun)
        let diff = written.changes.map {
          LineDiff.unified(old: $0.value.old, new: $0.value.new, file: $0.key)
        }.joined()
        if output.isJSON {
          print(
            JSONText.pretty(
              .map([
                "host": .string(name), "group": .string(plan.group),
                "address": .string(plan.address),
                "addressSource": .string(plan.addressSource),
                "warnings": .list(plan.warnings.map { .string($0) }),
                "written": .bool(!dryRun), "diff": .string(diff),
                "backup": written.backups.values.first.map { .string($0) } ?? .null,
                "run": runID.map { .int(Int($0)) } ?? .null,
              ]), sortKeys: false, indent: 2))
          return
        }
        print("\(name): group \(plan.group), address \(plan.address) from \(plan.addressSource)")
        for warning in plan.warnings { printToStandardError("warning: " + warning) }
        print(diff, terminator: "")
        if dryRun {
          print("(dry run: nothing written)")
          return
        }
        for backup in written.backups.values { print("backup: " + backup) }
        for warning in written.warnings { printToStandardError(warning.description) }
        if let historyWarning { printToStandardError("warning: run history: \(historyWarning)") }
        if let runID { print("run #\(runID) recorded (cluster-mgr history show \(runID))") }
        guard provision else {
          print("next: cluster-mgr provision --limit \(name)   (or add-node with --provision)")
          return
        }
        try await provisionNode()
      }
    }

    /// Provisions the new node and the cluster side for it, then confirms it is Ready.
    func provisionNode() async throws {
      print(
        "provisioning \(name) (and, on the first server, its labels, taints and GPU plugin) ...")
      let (limit, note) = try AddNodeOperation.provisionLimit(
        for: name, inventoryPath: inventory.path)
      if let note { print("note: " + note) }
      fflush(nil)  // the progress display writes to the descriptor directly
      var request = ProvisionRequest(inventoryPath: inventory.path)
      request.limit = limit
      request.includeClusterSide = true
      request.extraVars = extraVars
      request.artifactsDirectory = artifacts
      request.acceptNewHostKeys = connection.acceptNew
      request.tailscaleSocket = connection.socket
      request.kubeconfigPath = kubeconfig
      request.skipKubeconfig = noKubeconfig
      request.commandName = "add-node"
      request.forceUnlock = forceUnlock
      let ssh = try connection.sshOptions()
      request.becomePassword = ssh.becomePassword
      let setup = try await ProvisionSetup.prepare(request)
      let code = try await Provision.execute(
        request, setup: setup, sshOptions: ssh, json: false, verbosity: verbose)
      if code != ExitStatus.success {
        printToStandardError(
          "error: \(name) is in the inventory, but provisioning it failed (see above)\n"
            + "  fix: correct the problem, then run: cluster-mgr provision --limit \(name)")
        throw ExitCode(code)
      }
      let context = try await ClusterContext.load(
        inventoryPath: inventory.path, sshOptions: ssh, tailscaleSocket: connection.socket)
      let access = ClusterAccess(context: context)
      let read: Result<[ClusterNodeInfo], any Error>
      do { read = .success(try await access.nodeInfos()) } catch { read = .failure(error) }
      await access.closeAPI()
      await context.sessions.closeAll()
      let node = try read.get().first { $0.name == name }
      guard let node, node.ready else {
        printToStandardError(
          "error: \(name) was provisioned but is \(node == nil ? "not a node of the cluster" : "not Ready")"
        )
        throw ExitCode(ExitStatus.failure)
      }
      print("\(name) is Ready\(node.kubeletVersion.map { " (kubelet \($0))" } ?? "")")
    }
  }
}
