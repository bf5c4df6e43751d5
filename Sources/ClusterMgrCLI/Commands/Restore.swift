import ArgumentParser
import Basics
import ClusterOps
import Foundation
import SSHTransport

extension ClusterMgr {
  /// `cluster-mgr restore SNAPSHOT`: put a backup back on the cluster's servers.
  struct Restore: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Restore the cluster's datastore from a backup (one server or several).",
      discussion: """
        SNAPSHOT is a file written by `cluster-mgr backup` (a path, or a file name in the \
        default backup directory); its SHA-256 must still match its manifest. SQLite: K3s is \
        stopped, the current state.db (with its WAL) is kept as state.db.before-restore-<time>, the snapshot \
        replaces it in one rename, and K3s is started. etcd, one server: a safety snapshot is \
        taken, then `k3s server --cluster-reset --cluster-reset-restore-path=…` runs with K3s \
        stopped, and K3s is started again. Several servers (embedded etcd): a safety snapshot, \
        K3s stopped on every server (the others first), the first server reset from the \
        snapshot and started, then each other server in turn has its old datastore moved aside \
        (server/db.before-restore-<time>) and joins again. Each server is waited for until \
        Ready; the agents are checked. Everything the cluster did after the snapshot is lost. \
        --check prints the steps and changes nothing. Asks for confirmation on a terminal (or \
        --force).

        Holds this machine's lock on the cluster and the cluster lock on the server while it \
        runs. Once K3s was stopped it is always started again: after a failure, a time limit or \
        a lost connection (a trap in the root script), and after Ctrl-C (which starts nothing \
        new, lets the running step finish, and exits 130).
        """)

    @Argument(help: "The backup file (or its name in the backup directory).")
    var snapshot: String

    @Flag(help: "Do not ask for confirmation.")
    var force = false

    @Flag(
      name: [.customShort("C"), .long],
      help:
        "Check the snapshot and the servers and print what the restore would do; change nothing.")
    var check = false

    @Flag(
      help:
        "Remove a cluster lock another cluster-mgr command left on the server (it says whose), then restore."
    )
    var forceUnlock = false

    @Option(
      help: ArgumentHelp("How long to wait for the server to be Ready again.", valueName: "seconds")
    )
    var readyTimeout = 300

    @OptionGroup var inventory: InventoryOptions
    @OptionGroup var connection: ConnectionOptions

    func validate() throws {
      if check && forceUnlock {
        throw ValidationError(
          "--force-unlock removes a lock on the server and --check changes nothing: run them apart."
        )
      }
    }

    func run() async throws {
      try await reportingOperatorErrors {
        SignalHandling.install()
        let context = try await connection.context(inventory)
        let server = try await context.lockServer { printToStandardError("warning: " + $0) }
        if check {
          let plan = try await context.holdingLocks(
            server: server, forceUnlock: false, checkOnly: true,
            warn: { printToStandardError("warning: " + $0) }
          ) { try await RestoreOperation.plan(snapshot: snapshot, context: context) }
          await context.sessions.closeAll()
          describe(plan)
          print("--check: nothing was changed")
          return
        }
        let (plan, outcome) = try await context.holdingLocks(
          server: server, forceUnlock: forceUnlock, warn: { printToStandardError("warning: " + $0) }
        ) {
          let plan = try await RestoreOperation.plan(snapshot: snapshot, context: context)
          try confirm(plan)
          let outcome = try await RestoreOperation.run(
            plan, context: context, readyTimeout: .seconds(max(10, readyTimeout)),
            interruption: Interruption.shared
          ) { printProgress($0) }
          return (plan, outcome)
        }
        await context.sessions.closeAll()
        print(
          "restored: \(plan.servers.joined(separator: ", ")) \(plan.servers.count == 1 ? "is" : "are") Ready"
        )
        if let kept = outcome.kept {
          print("the previous datastore is kept on \(plan.server) as \(kept)")
        }
        if let warning = outcome.historyWarning {
          printToStandardError("warning: run history: \(warning)")
        }
        if let id = outcome.runID { print("run #\(id) recorded (cluster-mgr history show \(id))") }
      }
    }

    /// Prints what the restore will do, step by step.
    func describe(_ plan: RestorePlan) {
      let taken =
        plan.manifest.map {
          " taken \(ISO8601DateFormatter().string(from: $0.createdAt)) on \($0.server)"
        } ?? ""
      print("restore \(plan.path)\(taken)")
      print(
        "  onto \(plan.servers.joined(separator: ", ")) (\(plan.datastore.rawValue)); sha256 \(plan.sha256) (matches its manifest)"
      )
      print("  the cluster's state goes back to the snapshot; later changes are lost")
      for (index, step) in plan.steps.enumerated() { print("  \(index + 1). \(step)") }
    }

    /// Shows what the restore will do and, without --force, asks.
    func confirm(_ plan: RestorePlan) throws {
      describe(plan)
      if !force {
        try Confirmation.ask(
          "Restore \(plan.server) from this snapshot?",
          refusal: "restore replaces the cluster's datastore")
      }
    }
  }
}
