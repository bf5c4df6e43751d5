import ArgumentParser
import Basics
import ClusterOps
import Foundation
import SSHTransport

extension ClusterMgr {
  /// `cluster-mgr reconcile [NAME]`: ask Flux to reconcile a Kustomization and its source now.
  struct Reconcile: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Ask Flux to reconcile a Kustomization and its Git source now, and wait.",
      discussion: """
        Does what `flux reconcile kustomization NAME --with-source` does, through the \
        Kubernetes API (no flux CLI needed): sets the annotation reconcile.fluxcd.io/requestedAt \
        to the time now on the Kustomization's source GitRepository, waits until Flux reports \
        it handled (status.lastHandledReconcileAt), then does the same for the Kustomization, \
        and prints each one's revision and Ready condition. Exit status 1 when an object is not \
        Ready afterwards (its message says why). Recorded in the run history.
        """)

    @Argument(help: "The Kustomization (default: flux-system, the one provision creates).")
    var name = "flux-system"

    @Option(
      name: [.customShort("n"), .long],
      help: ArgumentHelp("The Kustomization's namespace.", valueName: "namespace"))
    var namespace = "flux-system"

    @Option(
      help: ArgumentHelp(
        "The longest to wait for each object to handle the request.", valueName: "seconds"))
    var timeout = 300

    @OptionGroup var inventory: InventoryOptions
    @OptionGroup var connection: ConnectionOptions

    func validate() throws {
      if timeout < 1 { throw ValidationError("--timeout must be at least 1 second.") }
    }

    func run() async throws {
      try await reportingOperatorErrors {
        var request = ReconcileRequest(inventoryPath: inventory.path, name: name)
        request.namespace = namespace
        request.timeoutSeconds = timeout
        let context = try await connection.context(inventory)
        let access = ClusterAccess(context: context)
        let outcome: (lines: [String], runID: Int64?, historyWarning: String?)
        do {
          outcome = try await ReconcileOperation.run(request, context: context, access: access) {
            printProgress($0)
          }
        } catch {
          await access.closeAPI()
          await context.sessions.closeAll()
          throw error
        }
        await access.closeAPI()
        await context.sessions.closeAll()
        if let warning = outcome.historyWarning {
          printToStandardError("warning: run history: \(warning)")
        }
        if let id = outcome.runID { print("run #\(id) recorded (cluster-mgr history show \(id))") }
      }
    }
  }
}
