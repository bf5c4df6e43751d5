import ArgumentParser
import Basics
import ClusterOps
import Foundation
import SSHTransport

/// What `drain`, `cordon` and `uncordon` share: the lock, the run and the last lines.
enum NodeMaintenanceCommand {
  /// Runs `request` holding this machine's lock on the cluster and the cluster lock on the
  /// first server, then says where the run is recorded.
  static func perform(
    _ request: NodeMaintenanceRequest, inventory: InventoryOptions,
    connection: ConnectionOptions, forceUnlock: Bool
  ) async throws {
    SignalHandling.install()
    let context = try await connection.context(inventory)
    let warn: (String) -> Void = { printToStandardError("warning: " + $0) }
    let server = try await context.lockServer(warn: warn)
    let result = try await context.holdingLocks(
      server: server, forceUnlock: forceUnlock, warn: warn
    ) {
      let access = ClusterAccess(context: context)
      do {
        let result = try await NodeMaintenanceOperation.run(
          request, context: context, access: access, interruption: Interruption.shared
        ) { printProgress($0) }
        await access.closeAPI()
        return result
      } catch {
        await access.closeAPI()
        throw error
      }
    }
    await context.sessions.closeAll()
    if let warning = result.historyWarning {
      printToStandardError("warning: run history: \(warning)")
    }
    if let id = result.runID { print("run #\(id) recorded (cluster-mgr history show \(id))") }
  }
}

/// The lock option the three commands share.
struct ForceUnlockOption: ParsableArguments {
  @Flag(
    help:
      "Remove a cluster lock another cluster-mgr command left on the first server (it says whose), then go on."
  )
  var forceUnlock = false
}
