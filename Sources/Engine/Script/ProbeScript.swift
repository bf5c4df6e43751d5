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
      cm_probe_tmp=$(mktemp -d /tmp/.cm-probe-XXXXXX); trap 'rm -rf "$cm_probe_tmp"' EXIT
      \(cachedFunction)
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

  /// What the probe printed, split per task.
  struct Result {
    var sections: [Int: ProbeSection]
    var pendingHandlers: Set<String>
    var complete: Bool
  }

  /// `cm_cached KEY CMD…`: runs CMD once per probe and replays its output and exit status to
  /// every later caller with the same KEY (probes of several tasks reading the same state).
  /// Its standard error stays in `$cm_probe_tmp/KEY.err`.
  static let cachedFunction = """
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
