import Foundation

/// Paths inside the cluster-mgr checkout and its build, for tests.
public enum Repository {
  /// The package root (the directory holding Package.swift): this file lives in
  /// `<root>/Sources/ClusterMgrTesting/`.
  public static let root: URL = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

  /// `scripts/lab` in this checkout.
  public static var labScript: String { root.appendingPathComponent("scripts/lab").path }

  /// The `cluster-mgr` binary built next to the running tests (or `CLUSTER_MGR_BIN`).
  public static var clusterMgrBinary: String {
    if let path = ProcessInfo.processInfo.environment["CLUSTER_MGR_BIN"] { return path }
    return builtProduct("cluster-mgr")
  }

  /// An executable product built next to the running tests.
  public static func builtProduct(_ name: String) -> String {
    var dir = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
    while dir.path != "/" {
      dir.deleteLastPathComponent()
      let candidate = dir.appendingPathComponent(name).path
      if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
    }
    return root.appendingPathComponent(".build/debug/\(name)").path
  }

  /// A tool installed by scripts/setup into the Python tools venv (`.venv/bin/NAME`).
  public static func venvTool(_ name: String) -> String {
    root.appendingPathComponent(".venv/bin/\(name)").path
  }
}
