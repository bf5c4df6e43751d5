import Basics
import Foundation
import Testing

@testable import RunHistory

/// Runs carry their cluster's name; the store lists one cluster's runs, or all of them.
struct ClusterFilterTests {
  @Test func runsAreListedPerCluster() async throws {
    let database = FileManager.default.temporaryDirectory
      .appendingPathComponent("cluster-\(UUID().uuidString).sqlite")
    defer { try? FileManager.default.removeItem(at: database) }
    let recorder = RunRecorder(database: database, redactor: SecretRedactor())
    var ids: [RunID] = []
    for (command, cluster) in [("provision", "homelab"), ("run", "office"), ("backup", nil)] {
      ids.append(
        try #require(
          await recorder.begin(
            RunMetadata(command: command, commandLine: "cluster-mgr \(command)", cluster: cluster)))
      )
      await recorder.finish(.succeeded)
    }
    let store = HistoryStore(database: database)
    #expect(try await store.runs(cluster: "homelab").map(\.command) == ["provision"])
    #expect(try await store.runs(cluster: "office").map(\.cluster) == ["office"])
    #expect(try await store.runs().map(\.id) == ids.reversed())
    #expect(try await store.runs(command: "run", cluster: "homelab").isEmpty)
    let recent = try await store.recentRuns(since: .distantPast, cluster: "office")
    #expect(recent.map(\.command) == ["run"])
    #expect(try await store.run(ids[0])?.run.cluster == "homelab")
  }
}
