import Basics
import Foundation

/// The root scripts behind the cluster lock (roles/day2/scripts/cluster-lock.sh), and how their
/// output is read.
///
/// Every script prints `@@cm-lock STATE [AGE]` lines; after `held`, `removed` and `other` comes
/// the lock file's content, AGE being the seconds since it was written, by the host's clock.
enum ClusterLockScripts {
  /// The lock's functions with `directory` as the lock's directory, then `call "$@"`.
  static func script(directory: String, calling call: String) -> String {
    "CM_LOCK_DIR=\(ShellQuote.quote(directory))\n" + OperationScripts.text("cluster-lock.sh")
      + "\n\(call) \"$@\"\n"
  }

  /// `$1`: `take`, `force` (remove a lock that is there first, saying whose) or `look` (report
  /// only, change nothing); `$2`: the owner text. One command wins (link(2)).
  static func take(directory: String = ClusterLock.directory) -> String {
    script(directory: directory, calling: "cm_lock_take")
  }

  /// `$1`: the token of the lock to remove; another command's lock is reported and kept.
  static func release(directory: String = ClusterLock.directory) -> String {
    script(directory: directory, calling: "cm_lock_release")
  }

  /// One `@@cm-lock` line and the lock content that followed it.
  struct Entry: Equatable {
    var state: String
    var age: TimeInterval?
    var content: String
  }

  /// The entries of a script's output, in order.
  static func parse(_ output: String) -> [Entry] {
    var entries: [Entry] = []
    for line in output.split(separator: "\n", omittingEmptySubsequences: false) {
      if line.hasPrefix("@@cm-lock ") {
        let words = line.split(separator: " ")
        entries.append(
          Entry(
            state: words.count > 1 ? String(words[1]) : "",
            age: words.count > 2 ? TimeInterval(String(words[2])) : nil, content: ""))
      } else if !entries.isEmpty {
        entries[entries.count - 1].content += line + "\n"
      }
    }
    return entries
  }
}
