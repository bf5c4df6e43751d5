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
      \(probes.contains { $0.contains("cm_cached") } ? cachedFunction : "")
      printf '@@cm-probe pending\\n'
      for cm_f in \(stateDirectory)/pending-handlers/*; do [ -e "$cm_f" ] && printf '%s\\n' "${cm_f##*/}"; done

      """
    var seen = Set<String>()
    for (index, probe) in probes.enumerated() where seen.insert(probe).inserted {
      out += "printf '\\n@@cm-probe \(index)\\n'\n"
      if !probe.isEmpty { out += "( \(probe)\n) </dev/null\n" }
    }
    out += "printf '\\n@@cm-probe end\\n'\n"
    return out
  }

  /// Shell shared by the probe and the change script: `cm_sha256_of FILE [KEY [IDENTITY]]`
  /// prints FILE's sha256. With KEY (a ``File`` the engine installs) the answer the change script
  /// recorded under `$cm_state/sha256/KEY` right after installing the file is reused while the
  /// file's identity (device, inode, size, mtime and ctime in ns; IDENTITY when the caller has
  /// already run stat) is unchanged, so a no-op run does not read managed files again (a 40 MiB
  /// binary on every host). Any write or replacement changes mtime/ctime or the inode; only root
  /// can write the records. Files over 1 MiB are hashed with `openssl dgst` when present
  /// (several times faster than coreutils' `sha256sum`, which starts faster on small files).
  static let hashFunctions = """
    command -v openssl >/dev/null 2>&1 && cm_hash_large='openssl dgst -sha256 -r' || cm_hash_large=sha256sum
    cm_sha256_of() { # FILE [KEY [IDENTITY]]
      if [ -n "$2" ]; then
        cm_i=${3:-$(stat -c '%d:%i:%s:%.9Y:%.9Z' -- "$1" 2>/dev/null)}
        if read -r cm_k cm_h 2>/dev/null <"$cm_state/sha256/$2" && [ "$cm_k" = "$cm_i" ]; then echo "$cm_h"; return 0; fi
        cm_z=${cm_i#*:*:}; cm_z=${cm_z%%:*}
        if [ "${cm_z:-0}" -gt 1048576 ] 2>/dev/null; then set -- $($cm_hash_large <"$1"); echo "$1"; return 0; fi
      fi
      set -- $(sha256sum <"$1")
      echo "$1"
    }
    """

  /// What the probe printed, split per task.
  struct Result {
    var sections: [Int: ProbeSection]
    var pendingHandlers: Set<String>
    var complete: Bool
  }

  /// `cm_cached KEY CMD…`: runs CMD once per probe and replays its output and exit status to
  /// every later caller with the same KEY (probes of several tasks reading the same state).
  /// Its standard error stays in `$cm_probe_tmp/KEY.err`. Only probes that call it get it (and
  /// its scratch directory, made before the per-task subshells so they all share it).
  static let cachedFunction = """
    cm_probe_tmp=$(mktemp -d /tmp/.cm-probe-XXXXXX); trap 'rm -rf "$cm_probe_tmp"' EXIT
    cm_cached() {
      cm_k=$1; shift
      if [ ! -e "$cm_probe_tmp/$cm_k.rc" ]; then "$@" >"$cm_probe_tmp/$cm_k" 2>"$cm_probe_tmp/$cm_k.err"; echo $? >"$cm_probe_tmp/$cm_k.rc"; fi
      cat "$cm_probe_tmp/$cm_k"; return "$(cat "$cm_probe_tmp/$cm_k.rc")"
    }
    """

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
