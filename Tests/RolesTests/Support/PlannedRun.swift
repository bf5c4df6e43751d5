import Basics
import ClusterMgrTesting
import Engine
import Foundation
import Inventory
import Roles

/// `cluster-mgr provision --check` of an inventory on fresh hosts (``FixtureHost``, local
/// roots): every task's decision and summary, play by play, and each host's recap.
enum PlannedRun {
  /// The report of the check run and its text.
  static func run(_ inventory: GoldenInventory) async throws -> (RunReport, String) {
    let inputs = try inventory.inputs()
    let hosts = LocalRootSessionProvider()
    for node in inputs.nodes { try FixtureHost.prepare(hosts.root(node.name), node: node) }
    var options = RunOptions()
    options.checkMode = true
    let runner = Runner(
      sessions: hosts, options: options, observer: SilentObserver(), redactor: SecretRedactor())
    let report = await runner.run(try ProvisionSite.plays(inputs))
    return (report, text(report))
  }

  /// One line per result (`host  role / task: status — summary`, a failure's first line
  /// below it) under its play, then the recaps.
  static func text(_ report: RunReport) -> String {
    var out = ""
    var play: String?
    for result in report.results {
      if result.play != play {
        play = result.play
        out += "== \(result.play)\n"
      }
      let task = result.role.isEmpty ? result.task : "\(result.role) / \(result.task)"
      out += "\(result.host)  \(task): \(result.status.rawValue) — \(result.summary)\n"
      if let failure = result.failure?.split(separator: "\n").first {
        out += "    failure: \(failure)\n"
      }
    }
    out += "== recap\n"
    for recap in report.recaps {
      out +=
        "\(recap.host): ok=\(recap.ok) changed=\(recap.changed) skipped=\(recap.skipped) "
        + "failed=\(recap.failed) unreachable=\(recap.unreachable) "
        + "round trips=\(recap.roundTrips)\n"
    }
    return out
  }
}

/// Ignores run events.
struct SilentObserver: RunObserver {
  func handle(_ event: RunEvent) {}
}
