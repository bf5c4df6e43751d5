import ArgumentParser
import Basics
import ClusterOps
import Foundation
import SSHTransport

extension ClusterMgr {
  /// `cluster-mgr restore SNAPSHOT`: put a backup back on the single server.
  struct Restore: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Restore the datastore of a single-server cluster from a backup.",
      discussion: """
        SNAPSHOT is a file written by `cluster-mgr backup` (a path, or a file name in the \
        default backup directory); its SHA-256 must still match its manifest. SQLite: K3s is \
        stopped, the current state.db is kept as state.db.before-restore-<time>, the snapshot \
        replaces it in one rename, and K3s is started. etcd: a safety snapshot is taken, then \
        `k3s server --cluster-reset --cluster-reset-restore-path=…` runs with K3s stopped, and \
        K3s is started again. Then it waits until the server's node is Ready. Everything the \
        cluster did after the snapshot is lost. Clusters with more than one server: see \
        docs/nodes.md (restore by hand). Asks for confirmation on a terminal (or --force).
        """)

    @Argument(help: "The backup file (or its name in the backup directory).")
    var snapshot: String

    @Flag(help: "Do not ask for confirmation.")
    var force = false

    @Option(
      help: ArgumentHelp("How long to wait for the server to be Ready again.", valueName: "seconds")
    )
    var readyTimeout = 300

    @OptionGroup var inventory: InventoryOptions
    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
      try await reportingOperatorErrors {
        let context = try await connection.context(inventory)
        let plan = try await RestoreOperation.plan(snapshot: snapshot, context: context)
        let taken =
          plan.manifest.map {
            " taken \(ISO8601DateFormatter().string(from: $0.createdAt)) on \($0.server)"
          } ?? ""
        print("restore \(plan.path)\(taken)")
        print("  onto \(plan.server) (\(plan.datastore.rawValue)); sha256 \(plan.sha256)")
        print("  the cluster's state goes back to the snapshot; later changes are lost")
        if !force {
          try Confirmation.ask(
            "Restore \(plan.server) from this snapshot?",
            refusal: "restore replaces the cluster's datastore")
        }
        let outcome = try await RestoreOperation.run(
          plan, context: context, readyTimeout: .seconds(max(10, readyTimeout))
        ) { print($0) }
        await context.sessions.closeAll()
        print("restored: \(plan.server) is Ready")
        if let kept = outcome.kept {
          print("the previous datastore is kept on \(plan.server) as \(kept)")
        }
        if let warning = outcome.historyWarning {
          printToStandardError("warning: run history: \(warning)")
        }
        if let id = outcome.runID { print("run #\(id) recorded (cluster-mgr history show \(id))") }
      }
    }
  }
}
