import Basics
import Foundation

/// The one remote command that makes every planned change of a host, then runs its handlers.
struct ApplyScript {
  /// Shell a file task runs after a unit file changed (see ``ManagedFile/systemdUnit()``).
  static let requestDaemonReload = ": > \"$cm_run/daemon-reload\""
  /// Shell a file task runs after an apt source changed (see ``ManagedFile/aptSource()``).
  static let requestAptUpdate = ": > \"$cm_run/apt-update\""

  /// Where large artifacts wait, root's and checked, until the change script moves them into place.
  static let stageDirectory = ProbeScript.stateDirectory + "/stage"

  /// Removes what runs that never reached their change script (a lost connection) left staged.
  static let staleStageCleanup =
    "find \(stageDirectory) -maxdepth 1 -type f -mmin +1440 -delete 2>/dev/null"

  /// One planned step: a task's change or a handler.
  enum Step {
    case task(index: Int, plan: Plan, notifies: [String])
    case handlers([(id: String, index: Int, handler: Handler)])
  }

  static func build(steps: [Step], stagePrefix: String, staged: [StagedFile]) -> String {
    let state = ProbeScript.stateDirectory
    // Names the temporary files of this script: nobody else can guess them.
    let nonce = UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
    var out = """
      umask 022
      cm_state=\(state)
      cm_pending="$cm_state/pending-handlers"
      [ -d "$cm_pending" ] || { mkdir -p "$cm_pending" && chmod 700 "$cm_state"; }
      cm_run=$(mktemp -d /tmp/.cm-run-XXXXXX) || { echo "cluster-mgr: cannot create a temporary directory in /tmp (full or read-only?)" >&2; exit 1; }
      cm_log="$cm_run/log"
      cm_stage=\(ShellSnippets.q(stagePrefix))
      cm_nonce=\(nonce)
      trap 'rm -rf "$cm_run"\(staged.map { " \"$cm_stage\"\(ShellSnippets.q($0.name))" }.joined())' EXIT
      \(staged.isEmpty ? "" : Self.staleStageCleanup)
      cm_now() { # a timestamp in ns (since boot, 10 ms steps) in $cm_t, without starting a process
        # shellcheck disable=SC2034 # cm_x takes the idle time, which is not needed
        if read -r cm_t cm_x 2>/dev/null </proc/uptime; then cm_t="${cm_t%.*}${cm_t#*.}0000000"; else cm_t=$(date +%s%N); fi
      }
      \(ProbeScript.hashFunctions)
      \(ProbeScript.statFunctions)
      cm_put() { # DEST MODE OWNER GROUP SHA256 [KEY], base64 content on stdin (KEY: see cm_sha256_of)
        d=${1%/*}; [ -d "${d:-/}" ] || mkdir -p "$d"
        # Beside DEST under a name only this run knows, created exclusively (noclobber: O_EXCL),
        # private, or straight away with MODE when MODE has no execute or special bits.
        t="$d/.cm-$cm_nonce-${1##*/}"; cm_m=077; cm_mode=$2
        case $2 in [0246][0246][0246]) cm_u=$(( 0777 ^ 0$2 )); cm_m=$((cm_u / 64))$((cm_u / 8 % 8))$((cm_u % 8)); cm_mode=- ;; esac
        umask "$cm_m"; set -C
        if ! base64 -d > "$t"; then set +C; umask 022; rm -f "$t"; return 1; fi
        set +C; umask 022
        cm_install "$t" "$1" "$cm_mode" "$3" "$4" "$5" || return 1
        [ -z "$6" ] || cm_installed "$5" "$6"
      }
      cm_put_staged() { # DEST MODE OWNER GROUP SHA256 NAME KEY (KEY: see cm_sha256_of)
        # The staged file is root's and was checked on arrival: moved into place as it is (through
        # a name beside DEST, so that the last step is a rename even when the stage is on another
        # file system). A second destination of the same artifact copies the first one and
        # checks the copy.
        s="$cm_stage$6"
        d=${1%/*}; [ -d "${d:-/}" ] || mkdir -p "$d"
        t="$d/.cm-$cm_nonce-${1##*/}"
        if [ -f "$s" ]; then
          mv -f "$s" "$t" && cm_chown_new "$3" "$4" "$t" && chmod "$2" "$t" && mv -f "$t" "$1" || { rm -f "$t"; return 1; }
          printf '%s\n' "$1" > "$cm_run/staged-$6"
        elif read -r cm_src 2>/dev/null < "$cm_run/staged-$6"; then
          cp "$cm_src" "$t" || { rm -f "$t"; return 1; }
          cm_install "$t" "$1" "$2" "$3" "$4" "$5" "$cm_hash_large" || return 1
        else
          echo "staged file $s is missing" >&2; return 1
        fi
        [ -z "$7" ] || cm_installed "$5" "$7"
      }
      cm_install() { # TMP DEST MODE OWNER GROUP SHA256 [HASH COMMAND] (MODE -: TMP has it already)
        h=$(${7:-sha256sum} < "$1"); h=${h%% *}
        if [ "$h" != "$6" ]; then rm -f "$1"; echo "$2: content arrived with sha256 $h, expected $6" >&2; return 1; fi
        cm_chown_new "$4" "$5" "$1" && { [ "$3" = - ] || chmod "$3" "$1"; } && mv -f "$1" "$2" || { rm -f "$1"; return 1; }
      }
      cm_chown_new() { # OWNER GROUP PATH: the owner of a path this script just created
        # The change script runs as root, which creates root:root unless the directory hands
        # down its group (setgid).
        if [ "$1:$2" = root:root ]; then
          cm_p=${3%/*}; [ -g "${cm_p:-/}" ] || return 0
        fi
        chown "$1:$2" "$3"
      }
      cm_installed() { # SHA256 KEY: this run installed a file with that (checked) content
        printf '%s\n' "$1" > "$cm_run/installed-$2"
      }
      cm_verify_file() { # PATH SHA256 'MODE OWNER GROUP' KEY: one find; the content as installed or remembered
        # What this find saw is remembered as what cm_sha256_of answers while the file stays this
        # file (also after a change of mode or owner only, which changes its ctime).
        cm_stat_of "$1" && [ "$cm_t $cm_m $cm_o $cm_g" = "f $3" ] || return 1
        read -r cm_h 2>/dev/null < "$cm_run/installed-$4" || cm_h=$(cm_sha256_of "$1" "$4" "$cm_id")
        [ "$cm_h" = "$2" ] || return 1
        { [ -d "$cm_state/sha256" ] || mkdir -p "$cm_state/sha256"; } && printf '%s %s\n' "$cm_id" "$2" > "$cm_state/sha256/$4"
      }
      cm_daemon_reload_if_requested() {
        if [ -e "$cm_run/daemon-reload" ]; then systemctl daemon-reload && rm -f "$cm_run/daemon-reload"; fi
      }
      cm_apt_update_if_requested() {
        if [ -e "$cm_run/apt-update" ]; then apt-get update -q && rm -f "$cm_run/apt-update"; fi
      }

      """
    for step in steps {
      switch step {
      case .task(let index, let plan, let notifies):
        out += taskBlock(index: index, plan: plan, notifies: notifies)
      case .handlers(let handlers):
        out += "cm_daemon_reload_if_requested\n"
        for entry in handlers {
          out += handlerBlock(id: entry.id, index: entry.index, entry.handler)
        }
      }
    }
    out += "cm_daemon_reload_if_requested\nprintf '@@cm-end\\n'\n"
    return out
  }

  private static func taskBlock(index: Int, plan: Plan, notifies: [String]) -> String {
    var out = """
      cm_now; printf '@@cm-task \(index) begin %s\\n' "$cm_t"
      ( set -e
      \(plan.apply ?? ":")
      ) </dev/null >"$cm_log" 2>&1
      cm_rc=$?
      if [ $cm_rc -ne 0 ]; then
        cm_now; printf '@@cm-task \(index) failed %s %s ' $cm_rc "$cm_t"; tail -c 4000 "$cm_log" | base64 -w0; echo

      """
    out += diagnostics(index, plan)
    out += "  exit 0\nfi\ncm_changed=1\n"
    if plan.reportsOwnChange { out += "\(Self.unchangedCheck)\n" }
    if let verify = plan.verify {
      out += """
        if [ $cm_changed = 1 ] && ! ( \(verify)
        ) </dev/null >/dev/null 2>&1; then
          cm_now; printf '@@cm-task \(index) unverified 0 %s ' "$cm_t"; tail -c 4000 "$cm_log" | base64 -w0; echo
        \(diagnostics(index, plan))  exit 0
        fi

        """
    }
    for id in notifies { out += "[ $cm_changed = 1 ] && : > \"$cm_pending/\(id)\"\n" }
    out +=
      "cm_now; printf '@@cm-task \(index) done %s %s ' $cm_changed \"$cm_t\"; [ -s \"$cm_log\" ] && base64 -w0 < \"$cm_log\"; echo\n"
    return out
  }

  /// The step printed `@@cm-unchanged`: it found nothing to do (no `grep` when it printed nothing).
  static let unchangedCheck =
    "[ -s \"$cm_log\" ] && grep -q '^@@cm-unchanged' \"$cm_log\" && cm_changed=0"

  private static func diagnostics(_ index: Int, _ plan: Plan) -> String {
    guard let diagnostics = plan.failureDiagnostics else { return "" }
    return
      "  printf '@@cm-diag \(index) '; ( \(diagnostics)\n) </dev/null 2>&1 | tail -c 6000 | base64 -w0; echo\n"
  }

  private static func handlerBlock(id: String, index: Int, _ handler: Handler) -> String {
    var out = """
      if [ -e "$cm_pending/\(id)" ]; then
        cm_now; printf '@@cm-handler \(index) begin %s\\n' "$cm_t"
        ( set -e
      \(handler.script)
        ) </dev/null >"$cm_log" 2>&1
        cm_rc=$?
        if [ $cm_rc -ne 0 ]; then
          cm_now; printf '@@cm-handler \(index) failed %s %s ' $cm_rc "$cm_t"; tail -c 4000 "$cm_log" | base64 -w0; echo

      """
    if let diagnostics = handler.failureDiagnostics {
      out +=
        "    printf '@@cm-hdiag \(index) '; ( \(diagnostics)\n) </dev/null 2>&1 | tail -c 6000 | base64 -w0; echo\n"
    }
    out += """
          exit 0
        fi
        rm -f "$cm_pending/\(id)"
        cm_changed=1; \(Self.unchangedCheck)
        cm_now; printf '@@cm-handler \(index) done %s %s ' $cm_changed "$cm_t"; [ -s "$cm_log" ] && base64 -w0 < "$cm_log"; echo
      fi

      """
    return out
  }

  // MARK: - Reading the output

  /// How one step ended on the host.
  struct Outcome {
    enum Status { case done(changed: Bool), failed(exitStatus: Int32), unverified }
    var status: Status
    var startedAt: UInt64?
    var endedAt: UInt64?
    var output: String
    var diagnostics: String?
    var facts: [String: String]
  }

  struct Result {
    var tasks: [Int: Outcome] = [:]
    var handlers: [Int: Outcome] = [:]
    var finished = false
  }

  static func parse(_ stdout: String) -> Result {
    var result = Result()
    var begins: [String: UInt64] = [:]
    for line in stdout.split(separator: "\n") {
      let words = line.split(separator: " ", maxSplits: 5, omittingEmptySubsequences: false)
      guard let tag = words.first else { continue }
      switch tag {
      case "@@cm-end": result.finished = true
      case "@@cm-task", "@@cm-handler":
        guard words.count >= 4, let index = Int(words[1]) else { continue }
        let key = "\(tag) \(index)"
        if words[2] == "begin" {
          begins[key] = UInt64(words[3])
          continue
        }
        guard words.count >= 5 else { continue }
        let output = decode(words.count > 5 ? words[5] : "")
        let status: Outcome.Status
        switch words[2] {
        case "done": status = .done(changed: words[3] == "1")
        case "failed": status = .failed(exitStatus: Int32(words[3]) ?? -1)
        default: status = .unverified
        }
        let outcome = Outcome(
          status: status, startedAt: begins[key], endedAt: UInt64(words[4]),
          output: stripMarkers(output), diagnostics: nil, facts: facts(in: output))
        if tag == "@@cm-task" {
          result.tasks[index] = outcome
        } else {
          result.handlers[index] = outcome
        }
      case "@@cm-diag", "@@cm-hdiag":
        guard words.count >= 2, let index = Int(words[1]) else { continue }
        let text = decode(words.count > 2 ? words[2] : "")
        if tag == "@@cm-diag" {
          result.tasks[index]?.diagnostics = text
        } else {
          result.handlers[index]?.diagnostics = text
        }
      default: continue
      }
    }
    return result
  }

  private static func decode(_ base64: Substring) -> String {
    String(decoding: Data(base64Encoded: String(base64)) ?? Data(), as: UTF8.self)
  }

  private static func facts(in output: String) -> [String: String] {
    var facts: [String: String] = [:]
    for line in output.split(separator: "\n") where line.hasPrefix("@@cm-fact ") {
      let parts = line.split(separator: " ")
      guard parts.count >= 2 else { continue }
      let value = parts.count > 2 ? Data(base64Encoded: String(parts[2])) ?? Data() : Data()
      facts[String(parts[1])] = String(decoding: value, as: UTF8.self)
        .trimmingCharacters(in: .whitespacesAndNewlines)
    }
    return facts
  }

  private static func stripMarkers(_ output: String) -> String {
    output.split(separator: "\n", omittingEmptySubsequences: false)
      .filter { !$0.hasPrefix("@@cm-") }.joined(separator: "\n")
  }
}
