import Foundation

/// One host's throwaway root directory: what its scripts see as `/` in the sandbox
/// (``LocalRootSandbox``). Made like a fresh Debian host: its own writable `/etc`, `/root`,
/// `/tmp`, `/var`, `/run`, `/opt`, `/srv` and `/usr/local`; the machine's `/usr` is mounted
/// over it read-only when a script runs.
public struct LocalRoot: Sendable {
  /// The inventory host name (also the sandbox's host name).
  public let host: String
  /// The directory on this machine.
  public let directory: URL

  /// Top-level names that are links into `/usr` on a merged-`/usr` system (Debian 12).
  static let usrLinks = ["bin", "sbin", "lib", "lib32", "lib64", "libx32"]

  /// Makes the root of `host` in `directory` (which must not exist yet).
  static func create(host: String, in directory: URL) throws -> LocalRoot {
    let root = LocalRoot(host: host, directory: directory)
    try root.makeLayout()
    return root
  }

  /// The path on this machine of `path` inside the root (`/etc/hosts` → `<directory>/etc/hosts`).
  public func url(of path: String) -> URL {
    directory.appendingPathComponent(String(path.drop(while: { $0 == "/" })))
  }

  /// Writes `text` at `path` inside the root with `mode`, making missing directories (a link
  /// there is replaced): how a test prepares a host (a command it should have, a file it should
  /// hold) before a run.
  public func write(_ text: String, to path: String, mode: Int = 0o644) throws {
    let file = url(of: path)
    try FileManager.default.createDirectory(
      at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
    // A link is replaced, never followed: its target is the machine's, or nowhere.
    if (try? FileManager.default.destinationOfSymbolicLink(atPath: file.path)) != nil {
      try FileManager.default.removeItem(at: file)
    }
    try Data(text.utf8).write(to: file)
    try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: file.path)
  }

  private func makeLayout() throws {
    let directories: [(String, Int)] = [
      ("", 0o755), ("etc", 0o755), ("root", 0o700), ("tmp", 0o1777), ("run", 0o755),
      ("var/tmp", 0o1777), ("var/lib", 0o755), ("var/log", 0o755), ("opt", 0o755),
      ("srv", 0o755), ("home", 0o755), ("usr/local/bin", 0o755), ("usr/local/sbin", 0o755),
      ("usr/local/lib", 0o755), ("proc", 0o755), ("dev", 0o755),
    ]
    for (path, mode) in directories {
      let url = path.isEmpty ? directory : directory.appendingPathComponent(path)
      try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
      try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: url.path)
    }
    for name in Self.usrLinks where Self.machineLinksToUsr(name) {
      try FileManager.default.createSymbolicLink(
        atPath: directory.appendingPathComponent(name).path, withDestinationPath: "usr/\(name)")
    }
    try write(
      "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n",
      to: "/etc/passwd")
    try write("root:x:0:\nnogroup:x:65534:\n", to: "/etc/group")
    try write(host + "\n", to: "/etc/hostname")
    try write("127.0.0.1 localhost\n127.0.1.1 \(host)\n", to: "/etc/hosts")
    try FileManager.default.createSymbolicLink(
      atPath: url(of: "/etc/os-release").path, withDestinationPath: "../usr/lib/os-release")
  }

  /// Whether this machine's `/NAME` is a link into `/usr` (the root gets the same link; a real
  /// directory is mounted read-only instead, see ``LocalRootSandbox``).
  static func machineLinksToUsr(_ name: String) -> Bool {
    let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "/" + name)
    return target == "usr/\(name)" || target == "/usr/\(name)"
  }

  /// Removes the root, also what its scripts made unreadable (they ran as root in it).
  func remove() {
    if (try? FileManager.default.removeItem(at: directory)) != nil { return }
    _ = try? ProcessRunner.run(["chmod", "-R", "u+rwX", directory.path])
    try? FileManager.default.removeItem(at: directory)
  }
}
