import Basics
import ClusterMgrTesting
import Foundation
import RunHistory
import Testing

/// `cluster-mgr history` shows the runs of the inventory's cluster (or `--cluster`), and every
/// cluster's with `--all-clusters` (with a CLUSTER column).
@Suite struct HistoryClusterTests {
  @Test func historyShowsOneClusterUnlessAskedForAll() async throws {
    let state = try HistoryCommandTests.StateDirectory()
    let recorder = RunRecorder(database: state.database, redactor: SecretRedactor())
    for (command, cluster) in [("provision", "homelab"), ("backup", "office"), ("run", "homelab")] {
      _ = await recorder.begin(
        RunMetadata(command: command, commandLine: "cluster-mgr \(command)", cluster: cluster))
      await recorder.finish(.succeeded)
    }
    let inventory = state.url.appendingPathComponent("hosts.yml").path
    try "all:\n  vars:\n    cluster_name: office\n  hosts:\n    cp1:\n".write(
      toFile: inventory, atomically: true, encoding: .utf8)

    let office = try state.clusterMgr("history", "-i", inventory)
    #expect(office.status == 0, "\(office.stderr)")
    let officeLines = office.stdout.split(separator: "\n").map(String.init)
    #expect(officeLines.first == "cluster office (--all-clusters for every cluster):")
    #expect(officeLines.count == 3)
    #expect(officeLines[2].contains(" backup "))

    let homelab = try state.clusterMgr("history", "--cluster", "homelab", "--output", "json")
    let runs = try #require(
      try JSONSerialization.jsonObject(with: Data(homelab.stdout.utf8)) as? [[String: Any]])
    #expect(runs.compactMap { $0["command"] as? String } == ["run", "provision"])
    #expect(runs.allSatisfy { $0["cluster"] as? String == "homelab" })

    let all = try state.clusterMgr("history", "--all-clusters", "-i", inventory)
    let allLines = all.stdout.split(separator: "\n").map(String.init)
    #expect(allLines.count == 4)
    #expect(allLines[0].hasPrefix("ID  CLUSTER  WHEN"))
    #expect(allLines[1].contains("homelab") && allLines[2].contains("office"))

    let none = try state.clusterMgr("history", "--cluster", "lab")
    #expect(none.stdout.contains("No runs of cluster lab recorded yet"))
    #expect(none.stdout.contains("--all-clusters shows the runs of every cluster."))
  }
}
