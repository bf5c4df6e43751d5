import ArgumentParser
import Basics
import ClusterOps
import Engine
import Foundation
import Inventory
import SSHTransport

extension ClusterMgr.Provision {
  /// `provision --rollback-to RUN`: the snapshot and the version before upgrade run RUN.
  static func rollback(
    to run: Int64, request: ProvisionRequest, sshOptions: SSHOptions,
    connection: ConnectionOptions, inventory: InventoryOptions, json: Bool, verbosity: Int,
    force: Bool
  ) async throws -> Int32 {
    SignalHandling.install()
    let context = try await ClusterContext.load(
      inventoryPath: request.inventoryPath, sshOptions: sshOptions,
      tailscaleSocket: connection.socket, forks: request.options.forks)
    let plan = try await RollbackOperation.plan(run: run, cluster: context.settings.clusterName)
    var atPrevious = request
    atPrevious.extraVars.append("k3s_version=\(plan.previousVersion)")
    atPrevious.allowMinorDowngrade = true
    atPrevious.options.interruption = Interruption.shared
    let setup = try await ProvisionSetup.prepare(atPrevious)
    // With --output json, standard output carries only the run's events.
    let emit: @Sendable (String) -> Void = { json ? printToStandardError($0) : printProgress($0) }
    emit(
      "roll back run \(run): K3s \(plan.upgradedTo ?? "?") → \(plan.previousVersion), datastore from \(plan.snapshot.path)"
    )
    let hosts = setup.plays.flatMap(\.hosts).reduce(into: [String]()) {
      if !$0.contains($1) { $0.append($1) }
    }
    let display = RunProgress(
      hosts: hosts, json: json, verbosity: verbosity, diff: request.options.diffMode)
    let result: RollbackResult
    do {
      result = try await RollbackOperation.run(
        plan, request: atPrevious, setup: setup, context: context, observer: display,
        interruption: Interruption.shared,
        confirm: { restore in
          emit(
            "  1. the K3s \(plan.previousVersion) binary on \(restore.servers.joined(separator: ", ")) (K3s not restarted)"
          )
          for (index, step) in restore.steps.enumerated() { emit("  \(index + 2). \(step)") }
          emit(
            "  \(restore.steps.count + 2). k3s_version: \(plan.previousVersion) in \(request.inventoryPath)"
          )
          emit(
            "  \(restore.steps.count + 3). provision at \(plan.previousVersion) (agents drained one at a time)"
          )
          emit("  everything the cluster did after the snapshot is lost")
          if !force {
            try Confirmation.ask(
              "Roll the cluster back to run \(run)'s snapshot?",
              refusal: "--rollback-to replaces the cluster's datastore")
          }
        },
        say: emit)
    } catch {
      display.abandon()
      await context.sessions.closeAll()
      throw error
    }
    display.finish()
    await context.sessions.closeAll()
    if let id = result.runID {
      emit("rollback: run #\(id) recorded (cluster-mgr history show \(id))")
    }
    if let id = result.provision.historyRunID {
      emit("provision: run #\(id) recorded (cluster-mgr history show \(id))")
    }
    if let warning = result.historyWarning ?? result.provision.historyWarning {
      printToStandardError("warning: run history: \(warning)")
    }
    return result.provision.exitStatus
  }
}
