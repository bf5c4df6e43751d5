import Basics
import Foundation

/// The one remote command that reads the current state of every task of a host.
struct ProbeScript {
  /// The marker directory on hosts (pending handler notifications survive a failed run).
  static let stateDirectory = "/var/lib/cluster-mgr"

  /// One task's probe: its shell, the paths it looks up with `cm_stat_of`, and whether it may
  /// run in the probe's own shell (see ``Resource/probeSharesShell``).
  struct Probe: Hashable {
    var script: String
    var statPaths: [String] = []
    var sharesShell = false
  }

  /// Builds the script for `probes` (one per task, in task order). Every path the probes look up
  /// is read first with one `find`; identical probes (several tasks reading the same node list,
  /// say) run once, and ``parse(_:probes:)`` hands their output to each of them.
  static func build(_ probes: [Probe]) -> String {
    var out = """
      cm_state=\(stateDirectory)
      \(hashFunctions)
      \(statFunctions)
      \(statAll(probes.flatMap(\.statPaths)))
      \(probes.contains { $0.script.contains("cm_cached") } ? cachedFunction : "")
      printf '@@cm-probe pending\\n'
      for cm_f in \(stateDirectory)/pending-handlers/*; do [ -e "$cm_f" ] && printf '%s\\n' "${cm_f##*/}"; done

      """
    var seen = Set<Probe>()
    for (index, probe) in probes.enumerated() where seen.insert(probe).inserted {
      out += "printf '\\n@@cm-probe \(index)\\n'\n"
      guard !probe.script.isEmpty else { continue }
      out +=
        probe.sharesShell
        ? "{ \(probe.script)\n} </dev/null\n" : "( \(probe.script)\n) </dev/null\n"
    }
    out += "printf '\\n@@cm-probe end\\n'\n"
    return out
  }

  /// What `find -printf` prints for a path (after the path, in `statAll`): type, mode, owner,
  /// group, size, the identity `cm_sha256_of` compares (device, inode, size, mtime and ctime
  /// with nanoseconds), then a tab and a link's target.
  static let statFormat = "%y %m %u %g %s %D:%i:%s:%T@:%C@\\t%l"

  /// `cm_stat_of PATH`: a path's state from the one `find` the probe started with
  /// (``statAll(_:)``), or from a `find` of its own for a path that was not in it. Shared by the
  /// probe and the change script.
  static let statFunctions = """
    # shellcheck disable=SC2034 # cm_nl is read by the statAll loop when the probe has one
    cm_nl='
    '
    cm_tab='\t'
    cm_stat_index() { cm_n=; }
    # shellcheck disable=SC2034 # it sets every field; each caller reads those it needs
    cm_stat_of() { # PATH: type in cm_t (f d l b c p s; empty: absent), cm_m mode, cm_o owner, cm_g group, cm_z size, cm_id identity, cm_l link target
      cm_stat_index "$1"; cm_r=
      [ -z "$cm_n" ] || eval "cm_r=\\${cm_s$cm_n-}"
      if [ -n "$cm_r" ]; then cm_r=${cm_r#*"$cm_tab"}
      else
        cm_t=; { [ -e "$1" ] || [ -L "$1" ]; } || return 1
        case $1 in /*) cm_r=$1 ;; *) cm_r=./$1 ;; esac
        cm_r=$(find "$cm_r" -maxdepth 0 -printf '\(statFormat)' 2>/dev/null) || return 1
      fi
      cm_l=${cm_r#*"$cm_tab"}; cm_r=${cm_r%%"$cm_tab"*}
      cm_t=${cm_r%% *}; cm_r=${cm_r#* }; cm_m=${cm_r%% *}; cm_r=${cm_r#* }
      cm_o=${cm_r%% *}; cm_r=${cm_r#* }; cm_g=${cm_r%% *}; cm_r=${cm_r#* }
      cm_z=${cm_r%% *}; cm_id=${cm_r#* }
    }
    """

  /// The `find` that reads every path of `paths` at once: what it prints for the path numbered N
  /// (in `cm_stat_index`) goes to `cm_sN`. Paths that could not be told apart in its output
  /// (relative, or holding a tab or newline) are left to `cm_stat_of`'s own `find`. (Looking a
  /// path up in one long string instead costs dash time quadratic in the string's length.)
  static func statAll(_ paths: [String]) -> String {
    var seen = Set<String>()
    let batch = paths.filter {
      $0.hasPrefix("/") && !$0.contains("\n") && !$0.contains("\t") && seen.insert($0).inserted
    }
    guard !batch.isEmpty else { return "" }
    let arms = batch.enumerated().map { "\(ShellSnippets.q($1))) cm_n=\($0) ;;" }.joined(separator: " ")
    return """
      cm_stat_index() { case $1 in \(arms) *) cm_n= ;; esac; }
      IFS=$cm_nl; set -f
      # shellcheck disable=SC2044 # one find for every path; IFS is a newline and globbing is off
      for cm_x in $(find \(batch.map(ShellSnippets.q).joined(separator: " ")) -maxdepth 0 -printf '%p\\t\(statFormat)\\n' 2>/dev/null); do
        cm_stat_index "${cm_x%%"$cm_tab"*}"; [ -z "$cm_n" ] || eval "cm_s$cm_n=\\$cm_x"
      done
      set +f; unset IFS
      """
  }

  /// Shell shared by the probe and the change script: `cm_sha256_of FILE [KEY IDENTITY]`
  /// prints FILE's sha256. With KEY (a ``ManagedFile`` the engine installs) the answer the change script
  /// recorded under `$cm_state/sha256/KEY` right after installing the file is reused while the
  /// file's identity (`cm_id` of `cm_stat_of`) is unchanged, so a no-op run does not read
  /// managed files again (a 40 MiB binary on every host). Any write or replacement changes mtime/ctime or the inode; only root
  /// can write the records. Files over 1 MiB are hashed with `openssl dgst` when present
  /// (several times faster than coreutils' `sha256sum`, which starts faster on small files).
  static let hashFunctions = """
    \(FileHash.shellCommand(into: "cm_hash_large"))
    cm_sha256_of() { # FILE [KEY IDENTITY]
      if [ -n "$2" ]; then
        if read -r cm_k cm_h 2>/dev/null <"$cm_state/sha256/$2" && [ "$cm_k" = "$3" ]; then echo "$cm_h"; return 0; fi
        cm_z=${3#*:*:}; cm_z=${cm_z%%:*}
        # shellcheck disable=SC2046 # split on purpose: the hash is the first word
        if [ "${cm_z:-0}" -gt 1048576 ] 2>/dev/null; then set -- $($cm_hash_large <"$1"); echo "$1"; return 0; fi
      fi
      # shellcheck disable=SC2046 # split on purpose: the hash is the first word
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
    cm_probe_tmp=$(mktemp -d /tmp/.cm-probe-XXXXXX) || { echo "cluster-mgr: cannot create a temporary directory in /tmp (full or read-only?)" >&2; exit 1; }
    trap 'rm -rf "$cm_probe_tmp"' EXIT
    cm_cached() {
      cm_k=$1; shift
      if [ ! -e "$cm_probe_tmp/$cm_k.rc" ]; then "$@" >"$cm_probe_tmp/$cm_k" 2>"$cm_probe_tmp/$cm_k.err"; echo $? >"$cm_probe_tmp/$cm_k.rc"; fi
      cat "$cm_probe_tmp/$cm_k"; return "$(cat "$cm_probe_tmp/$cm_k.rc")"
    }
    """

  /// What the probe for `probes` printed, per task (duplicates get their first copy's output).
  static func parse(_ stdout: String, probes: [Probe]) -> Result {
    var result = parse(stdout)
    var first: [Probe: Int] = [:]
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
