import Basics
import Foundation

/// The root scripts behind the cluster lock, and how their output is read.
///
/// Every script prints `@@cm-lock STATE [AGE]` lines; after `held`, `removed` and `other` comes
/// the lock file's content, AGE being the seconds since it was written, by the host's clock.
enum ClusterLockScripts {
  /// Shared by the scripts: where the lock is (`DIRECTORY/lock`), and `cm_show STATE FILE`.
  static func prelude(_ directory: String) -> String {
    """
    umask 077
    dir=\(ShellQuote.quote(directory))
    lock="$dir/lock"
    cm_show() {
      cm_age=$(( $(date +%s) - $(stat -c %Y -- "$2" 2>/dev/null || date +%s) ))
      printf '@@cm-lock %s %s\\n' "$1" "$cm_age"
      cat -- "$2" 2>/dev/null
      echo
    }
    if [ -e "$lock" ] && [ ! -f "$lock" ]; then
      echo "$lock is not a regular file; cluster-mgr cannot use it as its lock" >&2
      exit 3
    fi

    """
  }

  /// `$1`: `take`, `force` (remove a lock that is there first, saying whose) or `look` (report
  /// only, change nothing); `$2`: the owner text. The lock is written under a temporary name and
  /// linked into place (link(2) fails when the lock exists: one command wins).
  static func take(directory: String = ClusterLock.directory) -> String {
    prelude(directory) + """
      if [ "$1" = look ]; then
        if [ -e "$lock" ]; then cm_show held "$lock"; else echo '@@cm-lock free'; fi
        exit 0
      fi
      [ -d "$dir" ] || mkdir -p -- "$dir" || exit 3
      chmod 700 -- "$dir" || exit 3
      if [ "$1" = force ] && [ -e "$lock" ]; then
        cm_old="$dir/.lock.removed.$$"
        if mv -f -- "$lock" "$cm_old"; then cm_show removed "$cm_old"; rm -f -- "$cm_old"; fi
      fi
      cm_tmp=$(mktemp "$dir/.lock.XXXXXX") || exit 3
      if ! printf '%s' "$2" > "$cm_tmp"; then rm -f -- "$cm_tmp"; exit 3; fi
      if ln -- "$cm_tmp" "$lock" 2>/dev/null; then
        rm -f -- "$cm_tmp"
        echo '@@cm-lock taken'
        exit 0
      fi
      rm -f -- "$cm_tmp"
      cm_show held "$lock"
      """
  }

  /// `$1`: the token of the lock to remove; another command's lock is reported and kept.
  static func release(directory: String = ClusterLock.directory) -> String {
    prelude(directory) + """
      if [ ! -e "$lock" ]; then echo '@@cm-lock gone'; exit 0; fi
      if grep -qxF "token=$1" "$lock"; then
        rm -f -- "$lock" || exit 3
        echo '@@cm-lock released'
        exit 0
      fi
      cm_show other "$lock"
      """
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
