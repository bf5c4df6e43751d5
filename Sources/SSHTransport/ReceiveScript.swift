import Basics
import Foundation

/// The one script that receives files on a host: each announced as (path, size, sha256, mode,
/// owner, group), read from stdin exactly `size` bytes (`dd` with `count_bytes` reads no
/// further, so what follows stays on stdin), written to a new temporary file beside its path,
/// checked, given its mode and owner, and renamed over the path (atomic: readers see the old or
/// the new file, never a part). A missing directory is made with mode 0700. Then the rest of
/// stdin runs with `sh -s`: a script that needs the files, or nothing.
///
/// Used by ``SSHConnection/upload(file:to:mode:owner:group:sudo:sha256:)``,
/// ``SSHConnection/execute(script:after:sudo:timeout:step:)`` and, with `package` access, the
/// local test sessions of ClusterMgrTesting.
package enum ReceiveScript {
  /// The script, run as `sh -c SCRIPT cluster-mgr-receive ARGUMENTS...`.
  package static let text = """
    umask 077
    cm_fail() { echo "cluster-mgr-upload: $*" >&2; exit 97; }
    \(FileHash.shellCommand(into: "cm_hash"))
    while [ $# -ge 6 ]; do
      dest=$1 size=$2 expected=$3 mode=$4 owner=$5 group=$6; shift 6
      dir=${dest%/*}; dir=${dir:-/}
      # shellcheck disable=SC2174 # under umask 077 every directory made is private
      [ -d "$dir" ] || mkdir -p -m 700 -- "$dir" || cm_fail "cannot make $dir"
      tmp=$(mktemp "$dir/.${dest##*/}.cluster-mgr.XXXXXX") || cm_fail "cannot write $dest"
      dd of="$tmp" bs=64K iflag=fullblock,count_bytes count="$size" status=none || { rm -f -- "$tmp"; cm_fail "cannot write $dest"; }
      actual=$($cm_hash < "$tmp"); actual=${actual%% *}
      [ "$actual" = "$expected" ] || { rm -f -- "$tmp"; cm_fail "$dest arrived with sha256 ${actual:-none}, sent $expected"; }
      # mktemp made it 0600: a file for root's staging needs no chmod.
      [ "$mode" = 600 ] || chmod -- "$mode" "$tmp" || { rm -f -- "$tmp"; cm_fail "cannot set the mode of $dest"; }
      if [ -n "$owner$group" ]; then
        chown -- "$owner${group:+:$group}" "$tmp" || { rm -f -- "$tmp"; cm_fail "cannot give $dest to $owner${group:+:$group}"; }
      fi
      mv -f -- "$tmp" "$dest" || { rm -f -- "$tmp"; cm_fail "cannot move $dest into place"; }
    done
    exec /bin/sh -s
    """

  /// The exit status of the script when a file did not arrive intact or could not be written.
  static let failedStatus: Int32 = 97

  /// The command line that receives files announced by `arguments` (see ``arguments(path:size:sha256:mode:owner:group:)``).
  package static func command(_ arguments: [String]) -> [String] {
    ["/bin/sh", "-c", text, "cluster-mgr-receive"] + arguments
  }

  /// The six arguments that announce one file.
  package static func arguments(
    path: String, size: Int, sha256: String, mode: Int = 0o600, owner: String? = nil,
    group: String? = nil
  ) -> [String] {
    [path, String(size), sha256, String(mode, radix: 8), owner ?? "", group ?? ""]
  }

  /// The size of the local `file` it announces, read before anything is sent (`host` and
  /// `step` name the failure).
  package static func size(of file: URL, host: String, step: String) throws(SSHError) -> Int {
    do {
      let attributes = try FileManager.default.attributesOfItem(atPath: file.path)
      return (attributes[.size] as? NSNumber)?.intValue ?? 0
    } catch {
      throw SSHError(
        .transferFailed, host: host, step: step,
        reason: "cannot read \(file.path): \(error.localizedDescription).")
    }
  }

  /// Why the script refused a file (what its last `cluster-mgr-upload:` line says), or nil when
  /// every file arrived intact.
  package static func refusal(exitStatus: Int32, exitSignal: String?, stderr: String) -> String? {
    let marker = "cluster-mgr-upload: "
    guard exitStatus == failedStatus, exitSignal == nil,
      let line = stderr.split(separator: "\n").last(where: { $0.hasPrefix(marker) })
    else { return nil }
    return String(line.dropFirst(marker.count))
  }
}
