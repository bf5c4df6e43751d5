import ClusterMgrTesting
import Foundation
import Inventory
import OrderedCollections
import Testing

/// The writer killed at each step leaves the file entirely old or entirely new; concurrent
/// writers never lose an update (the test hooks are described in docs/inventory.md).
@Suite(.serialized) struct WriteSafetyTests {
  static let setK3sVersion = ["config-set", "k3s_version", "v1.32.1+k3s1"]

  /// The expected new text: the minimal example with only the version changed.
  static func texts() throws -> (old: String, new: String) {
    let old = try String(contentsOfFile: Fixtures.example("minimal"), encoding: .utf8)
    let new = old.replacingOccurrences(
      of: "k3s_version: v1.31.4+k3s1", with: "k3s_version: v1.32.1+k3s1")
    try #require(new != old)
    return (old, new)
  }

  /// Waits until the marker file names `step` (the writer reached it).
  static func waitForMarker(_ marker: String, step: String) throws {
    for _ in 0..<200 {
      if let text = try? String(contentsOfFile: marker, encoding: .utf8),
        text.split(separator: "\n").contains(Substring(step))
      {
        return
      }
      usleep(50_000)
    }
    Issue.record("the writer never reached \(step)")
  }

  @Test(arguments: ["locked", "before-rename", "after-rename"])
  func killedByTheTestAtAStep(_ step: String) throws {
    let (old, new) = try Self.texts()
    let scratch = try ScratchDirectory()
    defer { scratch.remove() }
    let path = try scratch.write("hosts.yml", old)
    let marker = scratch.file("marker")
    let process = try CLI.start(
      Self.setK3sVersion + ["-i", path],
      environment: [
        "CLUSTER_MGR_TEST_WRITE_HOOK": "\(step)=wait", "CLUSTER_MGR_TEST_WRITE_HOOK_MARKER": marker,
      ])
    try Self.waitForMarker(marker, step: step)
    kill(process.processIdentifier, SIGKILL)
    process.waitUntilExit()
    #expect(process.terminationReason == .uncaughtSignal)

    let text = try scratch.read("hosts.yml")
    #expect(
      text == (step == "after-rename" ? new : old),
      "entirely old before the rename, entirely new after")

    // The next write cleans up what the killed one left and succeeds.
    let again = try CLI.run(["config-set", "cluster_name", "lab", "-i", path])
    #expect(again.status == 0, "\(again.stderr)")
    let leftovers = try FileManager.default.contentsOfDirectory(atPath: scratch.path)
      .filter { $0.hasSuffix(".tmp") }
    #expect(leftovers.isEmpty, "temporary files left: \(leftovers)")
  }

  @Test(arguments: ["locked", "before-rename", "after-rename"])
  func writerThatCrashesItselfAtAStep(_ step: String) throws {
    let (old, new) = try Self.texts()
    let scratch = try ScratchDirectory()
    defer { scratch.remove() }
    let path = try scratch.write("hosts.yml", old)
    let result = try CLI.run(
      Self.setK3sVersion + ["-i", path],
      environment: ["CLUSTER_MGR_TEST_WRITE_HOOK": "\(step)=crash"])
    #expect(result.status == 128 + SIGKILL)
    #expect(try scratch.read("hosts.yml") == (step == "after-rename" ? new : old))
  }

  @Test func killedAtRandomMomentsTheFileIsAlwaysWhole() throws {
    let (old, new) = try Self.texts()
    let scratch = try ScratchDirectory()
    defer { scratch.remove() }
    let path = scratch.file("hosts.yml")
    var outcomes: Set<String> = []
    for attempt in 0..<12 {
      try scratch.write("hosts.yml", old)
      let process = try CLI.start(Self.setK3sVersion + ["-i", path], environment: [:])
      usleep(useconds_t(attempt * 2_500))
      kill(process.processIdentifier, SIGKILL)
      process.waitUntilExit()
      let text = try scratch.read("hosts.yml")
      #expect(text == old || text == new, "attempt \(attempt): a partial file")
      outcomes.insert(text == old ? "old" : "new")
    }
  }

  @Test func twoConcurrentConfigSetsBothLand() throws {
    let (old, _) = try Self.texts()
    let scratch = try ScratchDirectory()
    defer { scratch.remove() }
    let path = try scratch.write("hosts.yml", old)
    // Each writer holds the lock for 400 ms: without the lock both would read the old file
    // and the second rename would drop the first update.
    let hook = ["CLUSTER_MGR_TEST_WRITE_HOOK": "locked=pause:400"]
    let start = Date()
    let first = try CLI.start(["config-set", "first_key", "one", "-i", path], environment: hook)
    let second = try CLI.start(["config-set", "second_key", "two", "-i", path], environment: hook)
    first.waitUntilExit()
    second.waitUntilExit()
    let elapsed = Date().timeIntervalSince(start)
    #expect(first.terminationStatus == 0 && second.terminationStatus == 0)
    #expect(elapsed >= 0.8, "the writers took turns (\(elapsed) s)")
    let inventory = try InventoryLoader.load(path: path)
    #expect(inventory.group("all")?.variables["first_key"]?.value == "one")
    #expect(inventory.group("all")?.variables["second_key"]?.value == "two")
  }

  @Test func manyConcurrentWritersNeverLoseAnUpdate() throws {
    let (old, _) = try Self.texts()
    let scratch = try ScratchDirectory()
    defer { scratch.remove() }
    let path = try scratch.write("hosts.yml", old)
    let processes = try (0..<8).map { index in
      try CLI.start(
        [
          "config-set", "node_labels.writer\(index)", "w\(index)", "--scope", "desktop", "-i", path,
        ],
        environment: [:])
    }
    for process in processes { process.waitUntilExit() }
    #expect(processes.allSatisfy { $0.terminationStatus == 0 })
    let labels = try InventoryLoader.load(path: path).node("desktop")?.labels ?? [:]
    for index in 0..<8 { #expect(labels["writer\(index)"] == "w\(index)", "update \(index) kept") }
  }
}
