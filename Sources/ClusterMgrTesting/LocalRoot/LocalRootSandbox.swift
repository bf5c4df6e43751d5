import Foundation

/// The bubblewrap command line that runs one command with a ``LocalRoot`` as `/`, as uid 0 of a
/// user namespace of its own: a normal user becomes root there, and only there.
///
/// What the command sees: the root's own files (writable), the machine's `/usr` read-only with
/// the root's `/usr/local` over it, the machine's `/etc/alternatives` and `/etc/ld.so.cache`
/// read-only (what the programs in `/usr` need), a `/proc` of its own process namespace with
/// `/proc/sys` hidden (the kernel's settings are the machine's), a minimal `/dev`, no `/sys`,
/// its own host name, and no network unless `sharesNetwork` (then this machine's, loopback
/// included). Every process it starts dies with it.
struct LocalRootSandbox: Sendable {
  /// The program.
  static let bubblewrap = "/usr/bin/bwrap"
  /// `PATH` as sudo's `secure_path` sets it on Debian.
  static let path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

  let root: LocalRoot
  let sharesNetwork: Bool

  /// The bubblewrap arguments that run `command` (its first element an absolute path).
  func arguments(_ command: [String]) -> [String] {
    var arguments = [
      "--unshare-user", "--uid", "0", "--gid", "0", "--unshare-pid", "--unshare-ipc",
      "--unshare-uts", "--hostname", root.host, "--die-with-parent",
    ]
    if !sharesNetwork { arguments.append("--unshare-net") }
    arguments += ["--bind", root.directory.path, "/", "--ro-bind", "/usr", "/usr"]
    arguments += ["--bind", root.url(of: "/usr/local").path, "/usr/local"]
    for name in LocalRoot.usrLinks where !LocalRoot.machineLinksToUsr(name) {
      arguments += ["--ro-bind-try", "/" + name, "/" + name]
    }
    for path in ["/etc/alternatives", "/etc/ld.so.cache"] {
      arguments += ["--ro-bind-try", path, path]
    }
    arguments += ["--proc", "/proc", "--tmpfs", "/proc/sys", "--dev", "/dev", "--clearenv"]
    let environment = [
      ("PATH", Self.path), ("HOME", "/root"), ("USER", "root"), ("LOGNAME", "root"),
      ("SHELL", "/bin/sh"), ("LANG", "C.UTF-8"), ("TZ", "UTC"),
    ]
    for (name, value) in environment { arguments += ["--setenv", name, value] }
    return arguments + ["--chdir", "/", "--"] + command
  }
}
