import Basics
import Foundation

/// The root scripts of `cluster-mgr reset` on each host (roles/day2/scripts/reset.sh), and how
/// their output is read.
enum ResetScripts {
  /// Prints `path P` for each K3s or cluster-mgr path that exists, `active UNIT` for running K3s
  /// units and `process N` for K3s processes (servers, agents, containerd shims). Changes nothing.
  static var probe: String { OperationScripts.text("reset.sh") + "\ncm_reset_probe\n" }

  /// Uninstalls K3s (cluster-mgr's script, else K3s's own), removes cluster-mgr's files (with
  /// `keepLock`, `/var/lib/cluster-mgr/lock` stays: the command still holds it), and fails
  /// naming what is left of K3s.
  ///
  /// Sent on standard input (`sh -s`), never as an argument (`sh -c`): the uninstall kills every
  /// process whose command line names K3s's data directory, and this script names it.
  static func reset(keepLock: Bool) -> String {
    "set -- \(keepLock ? "keep-lock" : "all")\n" + OperationScripts.text("reset.sh")
      + "\ncm_reset \"$@\"\n"
  }

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
