import Basics
import ClusterMgrTesting
import Foundation
import Testing

@testable import ClusterOps

/// The lock files' format, stale detection, the local `flock` lock and the cluster lock's root
/// scripts (run here with `sh` against a scratch directory instead of a server's).
struct LockTests {
  static let owner = LockOwner(
    user: "alice", machine: "laptop", pid: 4242, command: "cluster-mgr provision --limit lab-w1",
    started: Date(timeIntervalSince1970: 1_800_000_000), token: "0123abcd")

  @Test func ownerTextRoundTripsAndNamesTheHolder() throws {
    let text = Self.owner.text
    #expect(text.hasPrefix("# cluster-mgr lock"))
    #expect(text.contains("\nstarted=2027-01-15T08:00:00Z\n"))
    #expect(LockOwner(text: text) == Self.owner)
    let described = Self.owner.describe(age: 300)
    #expect(
      described
        == "alice@laptop (pid 4242), since 2027-01-15T08:00:00Z (5m ago): cluster-mgr provision --limit lab-w1"
    )
  }

  @Test func ownerValuesNeverBreakTheLineFormat() throws {
    let sneaky = LockOwner(
      user: "bob", machine: "ws", pid: 1, command: "run 'x\ntoken=forged\nuser=root'",
      started: Date(), token: "real")
    #expect(!sneaky.command.contains("\n"))
    let read = try #require(LockOwner(text: sneaky.text))
    #expect(read.token == "real")
    #expect(read.user == "bob")
  }

  @Test(arguments: ["", "garbage", "user=x\n", "# only a comment\n"])
  func textWithoutAnOwnerIsNoOwner(_ text: String) {
    #expect(LockOwner(text: text) == nil)
  }

  @Test func commandTextIsTheProgramNameAndMaskedArguments() {
    let redactor = SecretRedactor()
    redactor.register("s3cr3t-token")
    let text = LockOwner.commandText(
      ["/usr/local/bin/cluster-mgr", "provision", "-e", "token=s3cr3t-token"], redactor: redactor)
    #expect(text.hasPrefix("cluster-mgr provision -e "))
    #expect(!text.contains("s3cr3t-token"))
  }

  @Test func staleWhenOldOrWhenItsProcessOnThisMachineIsGone() {
    let alive: (Int32) -> Bool = { _ in true }
    let dead: (Int32) -> Bool = { _ in false }
    let owner = Self.owner
    #expect(
      LockStaleness.reason(owner: owner, age: 60, machine: "laptop", isRunning: alive) == nil)
    #expect(
      LockStaleness.reason(owner: owner, age: 60, machine: "laptop", isRunning: dead)
        == "its process 4242 no longer runs on this machine")
    // Another machine's process cannot be checked from here: young means in use.
    #expect(LockStaleness.reason(owner: owner, age: 60, machine: "desk", isRunning: dead) == nil)
    let old = LockStaleness.reason(
      owner: owner, age: 5 * 3600 + 180, machine: "desk", isRunning: alive)
    #expect(old?.contains("5 h 3 min ago") == true)
    #expect(LockStaleness.reason(owner: nil, age: 1, machine: "desk", isRunning: alive) != nil)
    #expect(LockStaleness.processIsRunning(getpid()))
  }

  @Test func heldMessageNamesOwnerAgePlaceAndTheWayOut() {
    let entry = ClusterLockScripts.Entry(state: "held", age: 7200 * 3, content: Self.owner.text)
    let held = ClusterLockHeld(cluster: "homelab", host: "srv1", entry: entry)
    #expect(held.message.contains("alice@laptop (pid 4242)"))
    #expect(held.message.contains("(6h ago)"))
    #expect(held.message.contains("/var/lib/cluster-mgr/lock on srv1"))
    #expect(held.message.contains("looks stale"))
    #expect(held.remedy?.contains("--force-unlock") == true)
    #expect(held.exitStatus == ExitStatus.failure)
  }

  // MARK: - The local lock

  static func scratch() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent(
      "cm-locks-\(UUID().uuidString.prefix(8))")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
  }

  @Test func aSecondLocalLockWaitsBrieflyThenNamesTheFirst() async throws {
    let directory = try Self.scratch()
    defer { try? FileManager.default.removeItem(at: directory) }
    let first = try await LocalClusterLock.acquire(
      cluster: "homelab", owner: Self.owner, directory: directory)
    let mode = try FileManager.default.attributesOfItem(atPath: first.path)[.posixPermissions]
    #expect(mode as? Int == 0o600)
    #expect(LockOwner(text: try String(contentsOfFile: first.path, encoding: .utf8)) == Self.owner)
    let started = ContinuousClock.now
    await #expect(throws: LocalLockHeld.self) {
      _ = try await LocalClusterLock.acquire(
        cluster: "homelab", owner: LockOwner.current(command: "second"), wait: .milliseconds(300),
        directory: directory)
    }
    #expect(started.duration(to: .now) >= .milliseconds(300))
    do {
      _ = try await LocalClusterLock.acquire(
        cluster: "homelab", owner: LockOwner.current(command: "second"), wait: .zero,
        directory: directory)
    } catch let held as LocalLockHeld {
      #expect(held.message.contains("pid 4242, user alice, started 2027-01-15T08:00:00Z"))
      #expect(held.message.contains("cluster-mgr provision --limit lab-w1"))
      #expect(held.remedy?.contains("kill -INT 4242") == true)
    }
    // Another cluster is another file.
    let other = try await LocalClusterLock.acquire(
      cluster: "other", owner: Self.owner, directory: directory)
    other.release()
    first.release()
    #expect(try String(contentsOfFile: first.path, encoding: .utf8).isEmpty)
    // Free again. Not with `wait: .zero`: a process another test forks in this moment holds a copy
    // of the descriptor (and so the lock) until it execs, which on a loaded machine takes a while.
    let again = try await LocalClusterLock.acquire(
      cluster: "homelab", owner: Self.owner, wait: .seconds(3), directory: directory)
    again.release()
  }

  @Test(arguments: ["../etc", "Homelab", "a/b", ""])
  func aClusterNameThatIsNoDNSLabelIsRefused(_ name: String) async throws {
    #expect(throws: OperationError.self) { _ = try LocalClusterLock.path(cluster: name) }
  }

  // MARK: - The cluster lock's scripts

  /// Runs a lock script with `sh` against `directory` (as this user: no sudo needed here).
  static func script(_ text: String, _ arguments: [String]) throws -> [ClusterLockScripts.Entry] {
    let result = try ProcessRunner.run(["/bin/sh", "-c", text, "cluster-mgr-lock"] + arguments)
    try #require(result.status == 0, "lock script failed: \(result.stderr)")
    return ClusterLockScripts.parse(result.stdout)
  }

  @Test func theLockScriptsTakeRefuseForceAndRelease() throws {
    let directory = try Self.scratch().appendingPathComponent("state").path
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let take = ClusterLockScripts.take(directory: directory)
    let release = ClusterLockScripts.release(directory: directory)
    let other = LockOwner(
      user: "bob", machine: "desk", pid: 7, command: "cluster-mgr restore x", started: Date(),
      token: "bobs")

    #expect(try Self.script(take, ["look", ""]).map(\.state) == ["free"])
    #expect(try Self.script(take, ["take", Self.owner.text]).map(\.state) == ["taken"])
    let mode = try FileManager.default.attributesOfItem(atPath: directory)[.posixPermissions]
    #expect(mode as? Int == 0o700)
    // A second command is refused and told who holds it.
    let refused = try Self.script(take, ["take", other.text])
    #expect(refused.map(\.state) == ["held"])
    #expect(LockOwner(text: refused[0].content) == Self.owner)
    #expect((refused[0].age ?? -1) >= 0)
    #expect(try Self.script(take, ["look", ""]).map(\.state) == ["held"])
    // Only the holder's token releases it.
    let wrong = try Self.script(release, ["bobs"])
    #expect(wrong.map(\.state) == ["other"])
    #expect(FileManager.default.fileExists(atPath: directory + "/lock"))
    // --force-unlock: the old lock is reported, then taken.
    let forced = try Self.script(take, ["force", other.text])
    #expect(forced.map(\.state) == ["removed", "taken"])
    #expect(LockOwner(text: forced[0].content) == Self.owner)
    #expect(try Self.script(release, ["bobs"]).map(\.state) == ["released"])
    #expect(try Self.script(release, ["bobs"]).map(\.state) == ["gone"])
    // Nothing but the lock is ever left in the directory.
    #expect(try FileManager.default.contentsOfDirectory(atPath: directory).isEmpty)
  }

  @Test func ofManyCommandsTakingTheLockAtOnceExactlyOneGetsIt() async throws {
    let directory = try Self.scratch().appendingPathComponent("state").path
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let take = ClusterLockScripts.take(directory: directory)
    let states = try await withThrowingTaskGroup(of: String.self) { group in
      for index in 0..<8 {
        group.addTask {
          let owner = LockOwner.current(command: "contender \(index)")
          return try Self.script(take, ["take", owner.text]).last?.state ?? ""
        }
      }
      return try await group.reduce(into: [String]()) { $0.append($1) }
    }
    #expect(states.filter { $0 == "taken" }.count == 1)
    #expect(states.filter { $0 == "held" }.count == 7)
  }

  @Test func parseKeepsEachEntrysContent() {
    let output = "@@cm-lock removed 12\nuser=a\nmachine=b\n\n@@cm-lock taken\n"
    let entries = ClusterLockScripts.parse(output)
    #expect(entries.map(\.state) == ["removed", "taken"])
    #expect(entries[0].age == 12)
    #expect(entries[0].content.contains("user=a\nmachine=b"))
    #expect(entries[1].age == nil)
  }
}
