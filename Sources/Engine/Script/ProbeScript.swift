import Basics
import Foundation
/// The one remote command that reads the current state of every task of a host.
struct ProbeScript {
  /// The marker directory on hosts (pending handler notifications survive a failed run).
  static let stateDirectory = "/var/lib/cluster-mgr"

  /// Builds the script for `probes` (one snippet per task, in task order). Identical snippets
  /// (several tasks reading the same node list, say) run once; ``parse(_:probes:)`` hands their
  /// output to each of them.
  static func build(_ probes: [String]) -> String {
    var out = """
      cm_state=\(stateDirectory)
      \(hashFunctions)
      printf '@@cm-probe pending\\n'
      ls -1 \(stateDirectory)/pending-handlers 2>/dev/null

      """
    var seen = Set<String>()
    for (index, probe) in probes.enumerated() where seen.insert(probe).inserted {
      out += "printf '\\n@@cm-probe \(index)\\n'\n"
      if !probe.isEmpty { out += "( \(probe)\n) </dev/null\n" }
    }
    out += "printf '\\n@@cm-probe end\\n'\n"
    return out
  }

  /// Shell shared by the probe and the change script: `cm_sha256_of FILE [KEY]` prints FILE's
  /// sha256. With KEY (large artifacts, see ``File``) it uses the fastest hasher on the host
  /// (`openssl dgst` is several times faster than coreutils' `sha256sum` on tens of MB) and
  /// remembers the answer under `$cm_state/sha256/KEY` together with the file's identity
  /// (device, inode, size, mtime and ctime in ns, written by the change script right after it
  /// installed the file): while the identity is unchanged the file is not read again, so a
  /// no-op run does not hash a 40 MiB binary on every host. Any write or replacement changes
  /// mtime/ctime or the inode; only root can write the cache. Small files (no KEY) use
  /// `sha256sum`, which starts faster.
  static let hashFunctions = """
    command -v openssl >/dev/null 2>&1 && cm_hash_large='openssl dgst -sha256 -r' || cm_hash_large=sha256sum
    cm_sha256_of() { # FILE [KEY]
      if [ -n "$2" ]; then
        if read -r cm_k cm_h 2>/dev/null <"$cm_state/sha256/$2" && [ "$cm_k" = "$(stat -c '%d:%i:%s:%.9Y:%.9Z' -- "$1" 2>/dev/null)" ]; then echo "$cm_h"; return 0; fi
        set -- $($cm_hash_large <"$1")
      else
        set -- $(sha256sum <"$1")
      fi
      echo "$1"
    }
    """

  /// What the probe printed, split per task.
  struct Result {
    var sections: [Int: ProbeSection]
    var pendingHandlers: Set<String>
    var complete: Bool
  }

  /// What the probe for `probes` printed, per task (duplicates get their first copy's output).
  static func parse(_ stdout: String, probes: [String]) -> Result {
    var result = parse(stdout)
    var first: [String: Int] = [:]
    for (index, probe) in probes.enumerated() {
      if let original = first[probe] {
        result.sections[index] = result.sections[original]
      } else {
        first[probe] = index
      }
    }
    return result
  }

  static func parse(_ stdout: String) -> Result {
    var sections: [Int: [Substring]] = [:]
    var pending: Set<String> = []
    var current: String?
    var complete = false
    for line in stdout.split(separator: "\n", omittingEmptySubsequences: false) {
      if line.hasPrefix("@@cm-probe ") {
        current = String(line.dropFirst("@@cm-probe ".count))
        if current == "end" { complete = true }
        continue
      }
      switch current {
      case "pending": if !line.isEmpty { pending.insert(String(line)) }
      case let id?: if let index = Int(id) { sections[index, default: []].append(line) }
      case nil: break
      }
    }
    return Result(
      sections: sections.mapValues { ProbeSection($0.joined(separator: "\n")) },
      pendingHandlers: pending, complete: complete)
  }
}
