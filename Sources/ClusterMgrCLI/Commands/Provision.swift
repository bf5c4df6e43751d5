import ArgumentParser
import Basics
import ClusterOps
import Engine
import Foundation
import Inventory
import Roles
import SSHTransport

extension ClusterMgr {
  /// `cluster-mgr provision`: makes the hosts of the inventory a K3s cluster, idempotently.
  struct Provision: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract:
        "Install and configure K3s (and GPU support, Flux, your kubeconfig) on the inventory's hosts.",
      discussion: """
        Plays, in order: prepare every host (prerequisites, tailscale); the first server alone; \
        further servers one at a time; agents in parallel; then, on the first server, nodes Ready \
        at the pinned version, labels and taints, the NVIDIA device plugin, Flux, and the \
        kubeconfig merged into ~/.kube/config under the cluster's name.

        A re-run changes only what differs and restarts K3s only when its binary, unit or \
        config changed. Exit status: 0 all hosts fine, 1 a host failed (or the cluster is \
        locked by another command), 2 invalid input, 4 hosts unreachable, 130 interrupted.

        Locks: the run holds this machine's lock on the cluster and the cluster lock \
        /var/lib/cluster-mgr/lock on the first server; a second command on the same cluster \
        fails naming the first (--check only makes sure nobody holds the cluster lock). \
        Ctrl-C (or SIGTERM) starts nothing new, lets the host scripts that run finish, \
        releases the locks and records the run as interrupted (exit 130); a second Ctrl-C \
        stops at once.

        K3s versions: before the version of any server changes, a datastore snapshot is taken \
        and fetched here with its SHA-256 (named after the run); a version that skips a minor \
        release, or goes back one, is refused; agents are upgraded one at a time (--serial N: N \
        at a time), each cordoned and drained first and uncordoned once Ready at the new \
        version. --rollback-to RUN goes back to the snapshot upgrade run RUN took and to the \
        version before it: that binary on the servers, the snapshot restored (on every server), \
        k3s_version set back in the inventory, then a provision at that version.
        """)

    @OptionGroup var inventory: InventoryOptions
    @OptionGroup var selection: SelectionOptions
    @OptionGroup var behaviour: BehaviourOptions
    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions

    @Option(
      help: ArgumentHelp(
        "Push K3s from DIR/k3s/<version>/ (and Flux from DIR/flux/<version>/install.yaml) instead of downloading on each host.",
        valueName: "dir"))
    var artifacts: String?

    @Option(
      help: ArgumentHelp(
        "Merge the admin kubeconfig into this file (default: $KUBECONFIG, else ~/.kube/config).",
        valueName: "path"))
    var kubeconfig: String?

    @Flag(help: "Do not touch the workstation's kubeconfig.")
    var noKubeconfig = false

    @Flag(help: "List the tags of every task and exit.")
    var listTags = false

    @Flag(help: "List the plays, roles and tasks (with their tags) that would run, and exit.")
    var listTasks = false

    @Flag(name: .customShort("v"), help: "More output: -v task output, -vv probe details.")
    var verbose: Int

    @Flag(
      help:
        "Remove a cluster lock another cluster-mgr command left on the first server (it says whose), then run."
    )
    var forceUnlock = false

    @Option(
      help: ArgumentHelp(
        "During a K3s upgrade, the longest one agent's drain may take.", valueName: "seconds"))
    var drainTimeout = 300

    @Option(
      help: ArgumentHelp(
        "Go back to the snapshot and the K3s version from before upgrade run RUN (see cluster-mgr history).",
        valueName: "run"))
    var rollbackTo: Int64?

    @Flag(help: "With --rollback-to: do not ask for confirmation.")
    var force = false

    func validate() throws {
      if drainTimeout < 1 { throw ValidationError("--drain-timeout must be at least 1 second.") }
      if rollbackTo != nil && (behaviour.check || listTags || listTasks) {
        throw ValidationError(
          "--rollback-to restores a snapshot; to see what it would restore, run cluster-mgr restore FILE --check."
        )
      }
      if rollbackTo != nil && selection.limit != nil {
        throw ValidationError("--rollback-to works on the whole cluster: leave out --limit.")
      }
      if force && rollbackTo == nil {
        throw ValidationError("--force goes with --rollback-to.")
      }
      if forceUnlock && behaviour.check {
        throw ValidationError(
          "--force-unlock removes a lock on the server and --check changes nothing: run them apart."
        )
      }
    }

    func run() async throws {
      try await reportingOperatorErrors {
        var request = ProvisionRequest(inventoryPath: inventory.path)
        request.limit = selection.limit
        request.options = behaviour.runOptions(
          tags: SelectionOptions.list(selection.tags),
          skipTags: SelectionOptions.list(selection.skipTags))
        request.extraVars = selection.extraVars
        request.artifactsDirectory = artifacts
        request.acceptNewHostKeys = connection.acceptNew
        request.tailscaleSocket = connection.socket
        request.kubeconfigPath = kubeconfig
        request.skipKubeconfig = noKubeconfig
        request.forceUnlock = forceUnlock
        request.drainTimeoutSeconds = drainTimeout
        if let rollbackTo {
          let ssh = try connection.sshOptions()
          request.becomePassword = ssh.becomePassword
          let code = try await Self.rollback(
            to: rollbackTo, request: request, sshOptions: ssh, connection: connection,
            inventory: inventory, json: output.isJSON, verbosity: verbose, force: force)
          if code != ExitStatus.success { throw ExitCode(code) }
          return
        }
        // Listing changes nothing, not even cluster-mgr's own state (no deploy key is made).
        if listTags || listTasks { request.options.checkMode = true }
        let ssh = try connection.sshOptions()
        request.becomePassword = ssh.becomePassword
        let setup = try await ProvisionSetup.prepare(request)
        if listTags || listTasks {
          for line in TaskListing.lines(setup.plays, options: request.options, tagsOnly: listTags) {
            print(line)
          }
          return
        }
        let code = try await Self.execute(
          request, setup: setup, sshOptions: ssh, json: output.isJSON, verbosity: verbose)
        if code != ExitStatus.success { throw ExitCode(code) }
      }
    }

    /// Runs a prepared provision with the usual output; returns the exit status.
    static func execute(
      _ request: ProvisionRequest, setup: ProvisionSetup, sshOptions ssh: SSHOptions, json: Bool,
      verbosity: Int
    ) async throws -> Int32 {
      for notice in setup.notices { printToStandardError(notice) }
      SignalHandling.install()
      var request = request
      request.options.interruption = Interruption.shared
      let hosts = setup.plays.flatMap(\.hosts).reduce(into: [String]()) {
        if !$0.contains($1) { $0.append($1) }
      }
      let display = RunProgress(
        hosts: hosts, json: json, verbosity: verbosity, diff: request.options.diffMode)
      let result: ProvisionResult
      do {
        result = try await ProvisionOperation.run(
          request, setup: setup, observer: display, sshOptions: ssh)
      } catch {
        display.abandon()
        throw error
      }
      display.finish()
      if !json {
        if let (path, outcome) = result.kubeconfig {
          print(
            outcome == .updated
              ? "kubeconfig: context \(setup.inputs.settings.clusterName) written to \(path)"
              : "kubeconfig: \(path) already up to date")
        }
        if let warning = result.historyWarning {
          printToStandardError("warning: run history: \(warning)")
        }
        if let id = result.historyRunID {
          print("run #\(id) recorded (cluster-mgr history show \(id))")
        }
        if result.report.interrupted {
          printToStandardError(
            "interrupted: the host scripts that were running finished; nothing else started "
              + "(\(request.commandName == "provision" ? "run provision again" : "provision the node again") to go on)"
          )
        }
      }
      return result.exitStatus
    }
  }
}
