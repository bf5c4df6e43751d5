import ArgumentParser
import Basics
import ClusterOps
import Foundation
import Inventory
import OrderedCollections
import SSHTransport
import TerminalUI

extension ClusterMgr {
  /// `cluster-mgr backup`: a datastore snapshot fetched to the workstation; `backup list`.
  struct Backup: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Back up the cluster's datastore to this machine, or list backups.",
      discussion: """
        `cluster-mgr backup` takes an etcd snapshot (k3s etcd-snapshot save) on a server of an \
        embedded-etcd cluster, or a consistent copy of a single server's SQLite datastore \
        (SQLite's online backup, with sqlite3 or python3 on the server). The file is kept on \
        the server in /var/lib/rancher/k3s/server/db/snapshots, fetched here, and accepted only \
        if its SHA-256 here equals the server's; a manifest FILE.json goes next to it. Default \
        directory: $CLUSTER_MGR_STATE_DIR/backups/<cluster_name> (~/.local/state/cluster-mgr/…). \
        The files hold the cluster's secrets: they are written mode 0600, streamed to disk as \
        they arrive (under a temporary name, renamed into place only once the SHA-256 matches). \
        --keep N and --keep-within DURATION prune older backups of the cluster afterwards \
        (`backup prune` alone does that without a new backup); the newest pre-upgrade \
        snapshot always stays. For backups at regular times, see docs/nodes.md (a systemd \
        timer or a cron line).
        """,
      subcommands: [BackupCreate.self, BackupList.self, BackupPrune.self],
      defaultSubcommand: BackupCreate.self)
  }

  /// `--keep N` and `--keep-within DURATION`: which backups of a cluster stay.
  struct RetentionOptions: ParsableArguments {
    @Option(
      help: ArgumentHelp(
        "Keep the newest N backups of the cluster (with --keep-within: those it keeps too).",
        valueName: "n"))
    var keep: Int?

    @Option(
      help: ArgumentHelp(
        "Keep the backups taken within this long: 45s, 90m, 12h, 30d, 2w.", valueName: "duration"))
    var keepWithin: String?

    func validate() throws {
      if let keep, keep < 1 { throw ValidationError("--keep must be at least 1.") }
      if let keepWithin, BackupRetention.duration(keepWithin) == nil {
        throw ValidationError(
          "--keep-within '\(keepWithin)' is not a duration: a number and s, m, h, d or w (30d).")
      }
    }

    /// The policy these options describe; nil when neither is given.
    var policy: BackupRetention? {
      BackupRetention(keepLast: keep, keepWithin: keepWithin.flatMap(BackupRetention.duration))
    }
  }

  /// `cluster-mgr backup [--output DIR]`.
  struct BackupCreate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "create", abstract: "Take a snapshot and fetch it here (the default).")

    @Option(
      name: [.customShort("o"), .customLong("output"), .customLong("dir")],
      help: ArgumentHelp(
        "Where to put the backup (default: the state directory's backups/<cluster>).",
        valueName: "dir"))
    var directory: String?

    @OptionGroup var retention: RetentionOptions
    @OptionGroup var inventory: InventoryOptions
    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
      try await reportingOperatorErrors {
        SignalHandling.install()
        let context = try await connection.context(inventory)
        let outcome = try await BackupOperation.create(
          context: context, directory: directory, retention: retention.policy,
          interruption: Interruption.shared
        ) {
          printProgress($0)
        }
        await context.sessions.closeAll()
        let manifest = outcome.manifest
        print("backup: \(outcome.path)")
        print(
          "  \(manifest.datastore.rawValue) from \(manifest.server), \(manifest.size) bytes, sha256 \(manifest.sha256) (matches the server's)"
        )
        print("  manifest: \(outcome.path).json")
        for pruned in outcome.pruned {
          print("pruned: \(pruned.path) (taken \(BackupText.age(pruned.manifest.createdAt)) ago)")
        }
        if let warning = outcome.historyWarning {
          printToStandardError("warning: run history: \(warning)")
        }
        if let id = outcome.runID { print("run #\(id) recorded (cluster-mgr history show \(id))") }
      }
    }
  }

  /// `cluster-mgr backup list`.
  struct BackupList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "list",
      abstract:
        "List the backups here (checked against their manifests) and the snapshots on the server.")

    @OptionGroup var backups: BackupDirectoryOption

    @Flag(help: "Only the backups on this machine; do not contact the server.")
    var localOnly = false

    @OptionGroup var inventory: InventoryOptions
    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
      try await reportingOperatorErrors {
        let context = try await connection.context(inventory)
        let folder =
          backups.resolved(cluster: context.settings.clusterName)
        let local = BackupOperation.localBackups(in: folder)
        var remote: (server: String, snapshots: [RemoteSnapshot])?
        var remoteProblem: String?
        if !localOnly {
          do { remote = try await BackupOperation.remoteSnapshots(context: context) } catch {
            remoteProblem = (error as? any OperatorError)?.message ?? "\(error)"
          }
          await context.sessions.closeAll()
        }
        if output.isJSON {
          printJSON(folder: folder, local: local, remote: remote, problem: remoteProblem)
          return
        }
        print("on this machine (\(folder)):")
        if local.isEmpty {
          print("  no backups")
        } else {
          var table = TextTable(
            columns: [
              .init("FILE"), .init("TAKEN"), .init("AGE", alignment: .right), .init("DATASTORE"),
              .init("SERVER"), .init("SIZE", alignment: .right), .init("SHA256"), .init("CHECK"),
              .init("NOTE"),
            ])
          for backup in local {
            let m = backup.manifest
            table.append([
              m.file, Self.format(m.createdAt), BackupText.age(m.createdAt), m.datastore.rawValue,
              m.server, ByteCountText.text(m.size), String(m.sha256.prefix(12)), backup.state,
              BackupText.note(m),
            ])
          }
          let total = local.reduce(Int64(0)) { $0 + $1.manifest.size }
          print(table.lines().map { "  " + $0 }.joined(separator: "\n"))
          print(
            "  \(local.count) backup\(local.count == 1 ? "" : "s"), \(ByteCountText.text(total))")
        }
        if localOnly { return }
        if let remote {
          print("on \(remote.server) (/var/lib/rancher/k3s/server/db/snapshots):")
          if remote.snapshots.isEmpty { print("  no snapshots") }
          var table = TextTable(columns: [
            .init("NAME"), .init("MODIFIED"), .init("AGE", alignment: .right),
            .init("SIZE", alignment: .right),
          ])
          for snapshot in remote.snapshots {
            table.append([
              snapshot.name, Self.format(snapshot.modified), BackupText.age(snapshot.modified),
              ByteCountText.text(snapshot.size),
            ])
          }
          if !remote.snapshots.isEmpty {
            print(table.lines().map { "  " + $0 }.joined(separator: "\n"))
          }
        } else if let remoteProblem {
          printToStandardError("warning: cannot list the snapshots on the server: \(remoteProblem)")
        }
      }
    }

    func printJSON(
      folder: String, local: [LocalBackup], remote: (server: String, snapshots: [RemoteSnapshot])?,
      problem: String?
    ) {
      let localList: [InventoryValue] = local.map { backup in
        let m = backup.manifest
        return .map([
          "path": .string(backup.path), "file": .string(m.file), "cluster": .string(m.cluster),
          "server": .string(m.server), "datastore": .string(m.datastore.rawValue),
          "remotePath": .string(m.remotePath),
          "sha256": .string(m.sha256), "size": .int(Int(m.size)),
          "createdAt": .string(Self.format(m.createdAt)),
          "ageSeconds": .int(Int(Date().timeIntervalSince(m.createdAt))),
          "check": .string(backup.state),
          "purpose": m.purpose.map(InventoryValue.string) ?? .null,
          "run": m.run.map { .int(Int($0)) } ?? .null,
          "k3sVersion": m.k3sVersion.map(InventoryValue.string) ?? .null,
          "upgradeTo": m.upgradeTo.map(InventoryValue.string) ?? .null,
        ])
      }
      var object: [(String, InventoryValue)] = [
        ("directory", .string(folder)), ("local", .list(localList)),
      ]
      if let remote {
        object.append(("server", .string(remote.server)))
        object.append(
          (
            "remote",
            .list(
              remote.snapshots.map {
                .map([
                  "name": .string($0.name), "size": .int(Int($0.size)),
                  "modified": .string(Self.format($0.modified)),
                ])
              })
          ))
      }
      if let problem { object.append(("remoteError", .string(problem))) }
      print(JSONText.pretty(.map(.init(uniqueKeysWithValues: object)), sortKeys: false, indent: 2))
    }

    static func format(_ date: Date) -> String {
      let formatter = ISO8601DateFormatter()
      formatter.formatOptions = [.withInternetDateTime]
      return formatter.string(from: date)
    }
  }
}

/// `--dir`: the backups `backup list` and `backup prune` read (default: the state directory's
/// `backups/<cluster>`).
struct BackupDirectoryOption: ParsableArguments {
  @Option(
    name: [.customLong("dir")],
    help: ArgumentHelp(
      "The backup directory (default: the state directory's backups/<cluster>).", valueName: "dir"))
  var directory: String?

  /// The directory given, or `cluster`'s default one.
  func resolved(cluster: String) -> String {
    directory ?? BackupOperation.defaultDirectory(cluster: cluster)
  }
}
