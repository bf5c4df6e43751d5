import ClusterMgrTesting
import Foundation
import Testing

@testable import ClusterOps

/// The restore root scripts start K3s again however they end once they stopped it: run here
/// with `sh`, with stand-ins for `systemctl` (which logs its arguments), `mv` and `k3s`
/// first in PATH, so nothing of this machine is touched.
struct RestoreScriptTests {
  /// A scratch directory with stand-in commands: `systemctl` logs, `mv`/`k3s` do `behaviour`.
  struct Bench {
    let directory: String
    var log: String { directory + "/systemctl.log" }

    init(mv: String? = nil, k3s: String? = nil) throws {
      directory =
        FileManager.default.temporaryDirectory.appendingPathComponent(
          "cm-restore-\(UUID().uuidString.prefix(8))"
        ).path
      try FileManager.default.createDirectory(
        atPath: directory + "/bin", withIntermediateDirectories: true)
      try tool("systemctl", "echo \"$*\" >> \(directory)/systemctl.log")
      if let mv { try tool("mv", mv) }
      if let k3s { try tool("k3s", k3s) }
    }

    func tool(_ name: String, _ body: String) throws {
      let path = directory + "/bin/" + name
      try ("#!/bin/sh\n" + body + "\n").write(toFile: path, atomically: true, encoding: .utf8)
      try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
    }

    /// Runs `script` the way the SSH layer does: under `timeout` (SIGTERM to its process
    /// group at `limit`), with the stand-ins first in PATH.
    func run(_ script: String, _ arguments: [String], limit: String = "20") throws
      -> ProcessResult
    {
      try ProcessRunner.run(
        ["timeout", "-k", "5", limit, "/bin/sh", "-c", script, "cluster-mgr-restore"] + arguments,
        environment: ["PATH": directory + "/bin:/usr/bin:/bin"])
    }

    func systemctlCalls() -> [String] {
      ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").split(separator: "\n").map(
        String.init)
    }

    func remove() { try? FileManager.default.removeItem(atPath: directory) }
  }

  /// A datastore in the bench: `state.db`, its WAL and shared memory, and a staged snapshot.
  static func datastore(in bench: Bench) throws -> (db: String, staged: String) {
    let db = bench.directory + "/state.db"
    for (suffix, text) in [("", "old db"), ("-wal", "old wal"), ("-shm", "old shm")] {
      try text.write(toFile: db + suffix, atomically: false, encoding: .utf8)
    }
    let staged = bench.directory + "/state.db.cluster-mgr-restore"
    try "snapshot".write(toFile: staged, atomically: false, encoding: .utf8)
    return (db, staged)
  }

  static func contents(_ path: String) -> String? {
    try? String(contentsOfFile: path, encoding: .utf8)
  }

  @Test func aFailedSwapPutsTheDatastoreBackWithItsWALThenStartsK3s() throws {
    let bench = try Bench(
      mv: """
        for last; do :; done
        case "$last" in */state.db) echo 'mv: injected failure' >&2; exit 1 ;; esac
        exec /bin/mv "$@"
        """)
    defer { bench.remove() }
    let (db, staged) = try Self.datastore(in: bench)
    let script = RestoreOperation.sqliteRestore(database: db)
    let result = try bench.run(script, [staged, "20270101T000000Z"])
    #expect(result.status == 1)
    #expect(result.stderr.contains("injected failure"))
    #expect(bench.systemctlCalls() == ["stop k3s", "start --no-block k3s"])
    // As before the restore: the file, its WAL (the newest writes) and its shared memory.
    #expect(Self.contents(db) == "old db")
    #expect(Self.contents(db + "-wal") == "old wal")
    #expect(Self.contents(db + "-shm") == "old shm")
    let left = try FileManager.default.contentsOfDirectory(atPath: bench.directory)
    #expect(!left.contains { $0.contains("before-restore") }, "\(left)")
  }

  @Test func aSwapPutsTheSnapshotInPlaceAndKeepsTheOldDatastore() throws {
    let bench = try Bench()
    defer { bench.remove() }
    let (db, staged) = try Self.datastore(in: bench)
    let result = try bench.run(
      RestoreOperation.sqliteRestore(database: db), [staged, "20270101T000000Z"])
    #expect(result.status == 0, "\(result.stderr)")
    let kept = db + ".before-restore-20270101T000000Z"
    #expect(result.stdout == "kept \(kept)\n")
    #expect(Self.contents(db) == "snapshot")
    #expect(!FileManager.default.fileExists(atPath: db + "-wal"))
    #expect(!FileManager.default.fileExists(atPath: db + "-shm"))
    #expect(Self.contents(kept) == "old db")
    #expect(Self.contents(kept + "-wal") == "old wal")
    #expect(bench.systemctlCalls() == ["stop k3s", "start k3s", "start --no-block k3s"])
  }

  @Test func aRestoreEndedAtItsTimeLimitStartsK3sAgain() throws {
    let bench = try Bench(k3s: "exec sleep 30")
    defer { bench.remove() }
    let started = ContinuousClock.now
    let result = try bench.run(RestoreOperation.etcdRestore, ["/tmp/snapshot"], limit: "1")
    #expect(result.status == 124)
    #expect(started.duration(to: .now) < .seconds(10))
    #expect(bench.systemctlCalls() == ["stop k3s", "start --no-block k3s"])
  }

  @Test func aSuccessfulClusterResetStartsK3sItselfAndTheTrapOnlyRepeatsIt() throws {
    let bench = try Bench(k3s: "exit 0")
    defer { bench.remove() }
    let result = try bench.run(RestoreOperation.etcdRestore, ["/tmp/snapshot"])
    #expect(result.status == 0)
    #expect(bench.systemctlCalls() == ["stop k3s", "start k3s", "start --no-block k3s"])
  }
}
