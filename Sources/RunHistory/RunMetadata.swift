import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// What the engine knows about a run when it starts: ``RunRecorder/begin(_:)`` stores it.
public struct RunMetadata: Sendable, Equatable {
  /// The subcommand (`provision`, `add-node`, `remove-node`, `backup`, `restore`, `run`).
  public var command: String
  /// The whole command line, arguments joined (say with `ShellQuote.join`), secrets masked.
  public var commandLine: String
  /// The inventory file the run used, if any.
  public var inventoryPath: String?
  /// The SHA-256 (hex) of the inventory file's bytes, if any.
  public var inventorySHA256: String?
  /// Whether the run was a check (`--check`): nothing changed on the hosts.
  public var checkMode: Bool
  /// When the run started.
  public var startedAt: Date
  /// The login name of the person who ran it.
  public var user: String
  /// The name of the workstation it ran on.
  public var machine: String
  /// The inventory's `cluster_name`, when the run belongs to a cluster.
  public var cluster: String?

  /// Describes a run; user, machine and start time default to this process's.
  public init(
    command: String, commandLine: String, inventoryPath: String? = nil,
    inventorySHA256: String? = nil, checkMode: Bool = false, startedAt: Date = Date(),
    user: String = RunMetadata.currentUser, machine: String = RunMetadata.currentMachine,
    cluster: String? = nil
  ) {
    self.command = command
    self.commandLine = commandLine
    self.inventoryPath = inventoryPath
    self.inventorySHA256 = inventorySHA256
    self.checkMode = checkMode
    self.startedAt = startedAt
    self.user = user
    self.machine = machine
    self.cluster = cluster
  }

  /// The login name of this process's user (password database, else `$USER`/`$LOGNAME`).
  public static var currentUser: String {
    if let entry = getpwuid(geteuid()), let name = entry.pointee.pw_name {
      let login = String(cString: name)
      if !login.isEmpty { return login }
    }
    let env = ProcessInfo.processInfo.environment
    return env["USER"] ?? env["LOGNAME"] ?? "uid \(geteuid())"
  }

  /// This machine's host name (`gethostname`, no DNS lookup).
  public static var currentMachine: String {
    var buffer = [CChar](repeating: 0, count: 256)
    guard gethostname(&buffer, buffer.count - 1) == 0 else { return "unknown" }
    return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
  }

  /// The same metadata with every string passed through `mask`.
  func masked(_ mask: (String) -> String) -> RunMetadata {
    RunMetadata(
      command: mask(command), commandLine: mask(commandLine),
      inventoryPath: inventoryPath.map(mask), inventorySHA256: inventorySHA256.map(mask),
      checkMode: checkMode, startedAt: startedAt, user: mask(user), machine: mask(machine),
      cluster: cluster.map(mask))
  }
}
