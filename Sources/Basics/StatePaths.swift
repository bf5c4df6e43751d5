import Foundation

/// Where cluster-mgr keeps its own state on the workstation.
///
/// `$CLUSTER_MGR_STATE_DIR` wins; otherwise `$XDG_STATE_HOME/cluster-mgr`, else
/// `~/.local/state/cluster-mgr` (the XDG default, also used on macOS for simplicity).
public enum StatePaths {
  /// The state directory (not created by this call).
  public static var directory: URL {
    let env = ProcessInfo.processInfo.environment
    if let dir = env["CLUSTER_MGR_STATE_DIR"], !dir.isEmpty {
      return URL(fileURLWithPath: dir, isDirectory: true)
    }
    if let xdg = env["XDG_STATE_HOME"], !xdg.isEmpty {
      return URL(fileURLWithPath: xdg, isDirectory: true).appendingPathComponent("cluster-mgr")
    }
    return homeDirectory.appendingPathComponent(".local/state/cluster-mgr", isDirectory: true)
  }

  /// The user's home directory (`$HOME`, else the password database).
  public static var homeDirectory: URL {
    if let home = ProcessInfo.processInfo.environment["HOME"], !home.isEmpty {
      return URL(fileURLWithPath: home, isDirectory: true)
    }
    return FileManager.default.homeDirectoryForCurrentUser
  }

  /// cluster-mgr's own known_hosts file (host keys it recorded or was told about).
  public static var knownHosts: URL { directory.appendingPathComponent("known_hosts") }

  /// Where the per-cluster lock files of commands that change a cluster live.
  public static var locksDirectory: URL { directory.appendingPathComponent("locks") }

  /// The run history database.
  public static var historyDatabase: URL { directory.appendingPathComponent("history.sqlite") }

  /// Creates the state directory (mode 0700) if needed and returns it.
  @discardableResult
  public static func ensureDirectory() throws -> URL {
    let dir = directory
    try FileManager.default.createDirectory(
      at: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
    return dir
  }
}
