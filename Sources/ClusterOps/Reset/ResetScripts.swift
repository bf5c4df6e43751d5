import Basics
import Foundation

/// The root scripts of `cluster-mgr reset` on each host, and how their output is read.
enum ResetScripts {
  /// K3s's files and directories, as the uninstall removes them.
  static let k3sPaths = [
    "/usr/local/bin/k3s", "/etc/systemd/system/k3s.service",
    "/etc/systemd/system/k3s-agent.service", "/var/lib/rancher/k3s", "/etc/rancher/k3s",
    "/etc/rancher/node", "/var/lib/kubelet", "/run/k3s",
  ]
  /// cluster-mgr's own files on a host.
  static let clusterMgrPaths = [
    RemoveNodeOperation.uninstallScript, "/etc/modules-load.d/cluster-mgr-k3s.conf",
    "/etc/sysctl.d/90-cluster-mgr-k3s.conf", ClusterLock.directory,
  ]

  /// Prints `path P` for each of those that exists, `active UNIT` for running K3s units and
  /// `process N` for K3s processes (servers, agents, containerd shims). Changes nothing.
  static let probe = """
    for p in \((k3sPaths + clusterMgrPaths).map(ShellQuote.quote).joined(separator: " ")); do
      if [ -e "$p" ] || [ -L "$p" ]; then echo "path $p"; fi
    done
    for u in k3s k3s-agent; do
      if systemctl is-active --quiet "$u" 2>/dev/null; then echo "active $u"; fi
    done
    echo "process $(\(processCount))"
    """

  /// How many K3s processes run: `k3s server|agent` and what runs from its data directory.
  static let processCount =
    "ps -e -o args= | grep -E '(^|/)k3s (server|agent)|/var/lib/rancher/k3s/data/' | grep -vc grep"

  /// Uninstalls K3s (cluster-mgr's script, else K3s's own), removes cluster-mgr's files (with
  /// `keepLock`, `/var/lib/cluster-mgr/lock` stays: the command still holds it), and fails
  /// naming what is left of K3s.
  ///
  /// Sent on standard input (`sh -s`), never as an argument (`sh -c`): the uninstall kills every
  /// process whose command line names K3s's data directory, and this script names it.
  static func reset(keepLock: Bool) -> String {
    "set -- \(keepLock ? "keep-lock" : "all")\n" + resetBody
  }

  static let resetBody = """
    set -u
    if [ -x \(RemoveNodeOperation.uninstallScript) ]; then \(RemoveNodeOperation.uninstallScript)
    elif [ -x /usr/local/bin/k3s-uninstall.sh ]; then /usr/local/bin/k3s-uninstall.sh
    elif [ -x /usr/local/bin/k3s-agent-uninstall.sh ]; then /usr/local/bin/k3s-agent-uninstall.sh
    fi
    rm -f \(clusterMgrPaths.dropLast().map(ShellQuote.quote).joined(separator: " "))
    dir=\(ShellQuote.quote(ClusterLock.directory))
    if [ "${1:-}" = keep-lock ]; then
      [ -d "$dir" ] && find "$dir" -mindepth 1 -maxdepth 1 ! -name lock -exec rm -rf {} +
    else
      rm -rf "$dir"
    fi
    left=""
    for p in \(k3sPaths.map(ShellQuote.quote).joined(separator: " ")); do
      if [ -e "$p" ] || [ -L "$p" ]; then left="$left $p"; fi
    done
    for u in k3s k3s-agent; do
      if systemctl is-active --quiet "$u" 2>/dev/null; then left="$left unit:$u"; fi
    done
    n=$(\(processCount))
    [ "$n" = 0 ] || left="$left $n-processes"
    if [ -n "$left" ]; then echo "K3s is still there after the uninstall:$left" >&2; exit 4; fi
    echo removed
    """

  /// What a host holds, read from ``probe``'s output.
  struct Found: Sendable, Equatable {
    var paths: [String] = []
    var activeUnits: [String] = []
    var processes = 0

    init(output: String) {
      for line in output.split(separator: "\n").map(String.init) {
        if line.hasPrefix("path ") { paths.append(String(line.dropFirst(5))) }
        if line.hasPrefix("active ") { activeUnits.append(String(line.dropFirst(7))) }
        if line.hasPrefix("process ") { processes = Int(line.dropFirst(8)) ?? 0 }
      }
    }

    /// Nothing of K3s or cluster-mgr is there.
    var isEmpty: Bool { paths.isEmpty && activeUnits.isEmpty && processes == 0 }

    /// `k3s, k3s-agent running; 5 processes; /usr/local/bin/k3s, …`.
    var description: String {
      var parts: [String] = []
      if !activeUnits.isEmpty { parts.append(activeUnits.joined(separator: ", ") + " running") }
      if processes > 0 { parts.append("\(processes) K3s process\(processes == 1 ? "" : "es")") }
      if !paths.isEmpty { parts.append(paths.joined(separator: ", ")) }
      return parts.isEmpty ? "nothing of K3s or cluster-mgr" : parts.joined(separator: "; ")
    }
  }
}
