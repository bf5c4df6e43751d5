import Foundation

/// A local file streamed to a host ahead of a script (see ``SSHConnection/execute(script:after:sudo:timeout:step:)``).
public struct StagedUpload: Sendable, Hashable {
  /// The file on the workstation.
  public var localFile: URL
  /// Where it goes on the host (in a directory only its owner can enter, made when missing).
  public var remotePath: String
  /// Its sha256 (hex), checked on arrival.
  public var sha256: String

  /// Creates an upload record.
  public init(localFile: URL, remotePath: String, sha256: String) {
    self.localFile = localFile
    self.remotePath = remotePath
    self.sha256 = sha256
  }
}

extension SSHConnection {
  /// Streams `uploads`, then runs `script` with `/bin/sh -s`, all over one channel (one sudo,
  /// one round trip; without uploads, just the script). Each file is received under a temporary name, checked against its sha256
  /// and renamed to its path (mode 0600; a missing directory is made with mode 0700); the script
  /// starts only when every file arrived intact. A file that arrives damaged, or cannot be
  /// written, throws ``SSHError/Kind/transferFailed`` and the script does not run.
  public func execute(
    script: String, after uploads: [StagedUpload], sudo: Bool, timeout: Duration?, step: String
  ) throws(SSHError) -> ExecResult {
    if uploads.isEmpty {
      return try execute(
        .argv(
          ["/bin/sh", "-s"], sudo: sudo, stdin: Data(script.utf8), timeout: timeout, step: step))
    }
    ScriptLog.record(script: Self.receiveThenRunScript, host: target.name)
    ScriptLog.record(script: script, host: target.name)
    var arguments = ["/bin/sh", "-c", Self.receiveThenRunScript, "cluster-mgr-stage"]
    var sources: [StdinPump.Source] = []
    for upload in uploads {
      guard upload.remotePath.hasPrefix("/"), !upload.remotePath.hasSuffix("/") else {
        throw SSHError(
          .invalidRequest, host: target.name, step: step,
          reason: "the destination \(upload.remotePath) must be an absolute file path.")
      }
      let size: Int
      do {
        let attributes = try FileManager.default.attributesOfItem(atPath: upload.localFile.path)
        size = (attributes[.size] as? NSNumber)?.intValue ?? 0
      } catch {
        throw SSHError(
          .transferFailed, host: target.name, step: step,
          reason: "cannot read \(upload.localFile.path): \(error.localizedDescription).")
      }
      arguments += [upload.remotePath, String(size), upload.sha256]
      sources.append(.fileBytes(upload.localFile, length: size))
    }
    sources.append(.data(Data(script.utf8)))
    let result = try run(
      .argv(arguments, sudo: sudo, timeout: timeout, step: step), stdin: sources)
    if let reason = Self.uploadRefusal(
      exitStatus: result.exitStatus, exitSignal: result.exitSignal, stderr: result.stderrText)
    {
      throw SSHError(
        .transferFailed, host: target.name, step: step,
        reason: "the upload did not complete: \(reason).")
    }
    return result
  }

  /// Why ``receiveThenRunScript`` refused a file (what its last `cluster-mgr-upload:` line
  /// says), or nil when every file arrived intact.
  package static func uploadRefusal(exitStatus: Int32, exitSignal: String?, stderr: String)
    -> String?
  {
    let marker = "cluster-mgr-upload: "
    guard exitStatus == uploadFailedStatus, exitSignal == nil,
      let line = stderr.split(separator: "\n").last(where: { $0.hasPrefix(marker) })
    else { return nil }
    return String(line.dropFirst(marker.count))
  }

  /// The exit status of ``receiveThenRunScript`` when a file did not arrive intact.
  static let uploadFailedStatus: Int32 = 97

  /// Receives the files announced as (path, size, sha256) arguments from stdin, exactly `size`
  /// bytes each (`dd` with `count_bytes` reads no further, so the script that follows stays on
  /// stdin), checks and renames each, then hands the rest of stdin to `sh -s`. (`package`: the
  /// local test sessions of ClusterMgrTesting run the same script.)
  package static let receiveThenRunScript = """
    umask 077
    cm_fail() { echo "cluster-mgr-upload: $*" >&2; exit 97; }
    \(hashCommand)
    while [ $# -ge 3 ]; do
      dest=$1 size=$2 expected=$3; shift 3
      dir=${dest%/*}; dir=${dir:-/}
      # shellcheck disable=SC2174 # under umask 077 every directory made is private
      [ -d "$dir" ] || mkdir -p -m 700 -- "$dir" || cm_fail "cannot make $dir"
      tmp="$dir/.${dest##*/}.cluster-mgr.$$"
      dd of="$tmp" bs=64K iflag=fullblock,count_bytes count="$size" status=none || { rm -f -- "$tmp"; cm_fail "cannot write $dest"; }
      actual=$($cm_hash < "$tmp"); actual=${actual%% *}
      [ "$actual" = "$expected" ] || { rm -f -- "$tmp"; cm_fail "$dest arrived with sha256 ${actual:-none}, sent $expected"; }
      mv -f -- "$tmp" "$dest" || cm_fail "cannot move $dest into place"
    done
    exec /bin/sh -s
    """
}
