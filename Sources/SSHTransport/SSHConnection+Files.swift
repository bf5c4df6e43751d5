import Basics
import Crypto
import Foundation

/// A file fetched from a host into a local file.
public struct DownloadedFile: Sendable, Equatable {
  /// The local path.
  public var path: String
  /// Its size in bytes.
  public var size: Int64
  /// Its SHA-256 (hex), computed while it arrived.
  public var sha256: String
}

extension SSHConnection {
  /// Writes `data` to `path` on the host; see ``upload(file:to:mode:owner:group:sudo:)``.
  public func upload(
    _ data: Data, to path: String, mode: Int = 0o644, owner: String? = nil,
    group: String? = nil, sudo: Bool = false
  ) throws(SSHError) {
    let digest = Self.hex(SHA256.hash(data: data))
    try upload(
      .data(data), sha256: digest, to: path, mode: mode, owner: owner, group: group, sudo: sudo)
  }

  /// Streams the local `file` to `path` on the host in one request: written to a temporary file
  /// beside `path`, checked against the local SHA-256 on the host, given `mode`, `owner` and
  /// `group`, then renamed over `path` (atomic: readers see the old or the new file, never a part).
  /// `sha256` (hex), when the caller already knows it, spares reading the file twice (uploading
  /// one artifact to many hosts); a wrong value makes the host refuse the upload.
  /// `createDirectory` makes a missing parent directory first (mode 0700, owned by whoever
  /// writes: root with `sudo`), for a private staging directory.
  public func upload(
    file: URL, to path: String, mode: Int = 0o644, owner: String? = nil, group: String? = nil,
    sudo: Bool = false, sha256: String? = nil, createDirectory: Bool = false
  ) throws(SSHError) {
    let digest: String
    do { digest = try sha256 ?? Self.sha256(of: file) } catch {
      throw SSHError(
        .transferFailed, host: target.name, step: "upload \(path)",
        reason: "cannot read \(file.path): \(error.localizedDescription).")
    }
    try upload(
      .file(file), sha256: digest, to: path, mode: mode, owner: owner, group: group, sudo: sudo,
      createDirectory: createDirectory)
  }

  /// Reads the file at `path` on the host (through sudo when `sudo`): a kubeconfig, a token.
  ///
  /// Small files only: one larger than ``SSHOptions/outputLimit`` is refused (stream it to a
  /// local file with ``download(_:sudo:toFile:mode:expecting:)``).
  public func download(_ path: String, sudo: Bool = false) throws(SSHError) -> Data {
    let label = "download \(path)"
    let result = try execute(.argv(["cat", "--", path], sudo: sudo, step: label))
    guard result.succeeded else { throw unreadable(path, result.stderrText, sudo: sudo) }
    guard result.stdoutDropped == 0 else {
      throw SSHError(
        .transferFailed, host: target.name, step: label,
        reason: "\(path) is larger than the \(options.outputLimit >> 20) MiB kept in memory.",
        remedy: "Fetch it into a file instead (cluster-mgr streams backups to disk).")
    }
    return result.stdout
  }

  /// Streams the file at `path` on the host into the local file `localPath` (mode `mode` from
  /// its first byte), hashing it on the way; memory stays flat whatever its size.
  ///
  /// The local file appears only when the whole file arrived and, with `expecting`, has that
  /// SHA-256 (hex) and size: otherwise nothing is left behind and ``SSHError/Kind/transferFailed``
  /// is thrown.
  public func download(
    _ path: String, sudo: Bool = false, toFile localPath: String, mode: mode_t = 0o600,
    expecting expected: (sha256: String, size: Int64)? = nil
  ) throws(SSHError) -> DownloadedFile {
    let label = "download \(path)"
    let command = RemoteCommand.argv(["cat", "--", path], sudo: sudo, step: label)
    let line = try commandLine(for: command)
    let sink: FileSink
    do { sink = try FileSink(path: localPath, mode: mode) } catch {
      throw SSHError(
        .transferFailed, host: target.name, step: label, reason: error.message + ".",
        remedy: error.remedy)
    }
    let stderr = TailBuffer(limit: 64 << 10)
    let started = ContinuousClock.now
    let outcome: ExecChannel.Outcome
    do {
      outcome = try run(
        line, stdin: try StdinPump([]), stdout: sink, stderr: stderr, label: label)
      try check(outcome, line: line, label: label, started: started)
    } catch {
      sink.discard()
      throw error as? SSHError
        ?? SSHError(.transferFailed, host: target.name, step: label, reason: "\(error).")
    }
    guard outcome.exitStatus == 0, outcome.exitSignal == nil else {
      sink.discard()
      throw unreadable(path, String(decoding: stderr.contents, as: UTF8.self), sudo: sudo)
    }
    let file = DownloadedFile(path: localPath, size: sink.size, sha256: sink.sha256)
    if let expected, expected.sha256 != file.sha256 || expected.size != file.size {
      sink.discard()
      throw SSHError(
        .transferFailed, host: target.name, step: label,
        reason: "the copy does not match: sha256 \(file.sha256) (\(file.size) bytes) here, "
          + "\(expected.sha256) (\(expected.size) bytes) on the host; nothing was written.",
        remedy: "Fetch it again.")
    }
    do { try sink.commit() } catch {
      throw SSHError(
        .transferFailed, host: target.name, step: label, reason: error.message + ".",
        remedy: error.remedy)
    }
    return file
  }

  private func unreadable(_ path: String, _ stderr: String, sudo: Bool) -> SSHError {
    SSHError(
      .transferFailed, host: target.name, step: "download \(path)",
      reason: "cannot read \(path): " + stderr.trimmingCharacters(in: .whitespacesAndNewlines),
      remedy: sudo ? nil : "If only root may read it, download it with sudo.")
  }

  // MARK: - Internals

  /// Shell that sets `cm_hash` to the command that prints the sha256 of its stdin: `openssl dgst`
  /// where it exists, several times faster than coreutils' `sha256sum` (no SHA extensions) on
  /// the large artifacts uploads are for.
  static let hashCommand =
    "command -v openssl >/dev/null 2>&1 && cm_hash='openssl dgst -sha256 -r' || cm_hash=sha256sum"

  /// The script that receives an upload on stdin.
  ///
  /// Arguments: path, mode, owner, group, sha256, and `1` to create a missing parent directory
  /// (mode 0700).
  static let receiveScript = """
    set -e
    umask 077
    dest=$1 mode=$2 owner=$3 group=$4 expected=$5
    dir=${dest%/*}; dir=${dir:-/}
    base=${dest##*/}
    # shellcheck disable=SC2174 # under umask 077 every directory made is private
    if [ "$6" = 1 ] && [ ! -d "$dir" ]; then mkdir -p -m 700 -- "$dir"; fi
    tmp=$(mktemp "$dir/.$base.cluster-mgr.XXXXXX")
    trap 'rm -f -- "$tmp"' EXIT
    cat > "$tmp"
    \(hashCommand)
    actual=$($cm_hash < "$tmp"); actual=${actual%% *}
    if [ "$actual" != "$expected" ]; then
      echo "checksum mismatch: sent $expected, received $actual" >&2
      exit 97
    fi
    chmod -- "$mode" "$tmp"
    if [ -n "$owner$group" ]; then chown -- "$owner${group:+:$group}" "$tmp"; fi
    mv -f -- "$tmp" "$dest"
    trap - EXIT
    """

  private func upload(
    _ source: StdinPump.Source, sha256: String, to path: String, mode: Int, owner: String?,
    group: String?, sudo: Bool, createDirectory: Bool = false
  ) throws(SSHError) {
    let label = "upload \(path)"
    guard path.hasPrefix("/"), !path.hasSuffix("/") else {
      throw SSHError(
        .invalidRequest, host: target.name, step: label,
        reason: "the destination must be an absolute file path.")
    }
    let command = RemoteCommand.argv(
      [
        "/bin/sh", "-c", Self.receiveScript, "cluster-mgr-upload", path, String(mode, radix: 8),
        owner ?? "", group ?? "", sha256, createDirectory ? "1" : "0",
      ], sudo: sudo, step: label)
    let result = try run(command, stdin: [source])
    guard result.succeeded else {
      let why = result.stderrText.trimmingCharacters(in: .whitespacesAndNewlines)
      throw SSHError(
        .transferFailed, host: target.name, step: label,
        reason: "the upload did not complete"
          + (why.isEmpty ? " (exit status \(result.exitStatus))" : ": \(why)") + ".",
        remedy: sudo ? nil : "If the destination belongs to root, upload with sudo.")
    }
  }

  static func sha256(of file: URL) throws -> String {
    let handle = try FileHandle(forReadingFrom: file)
    defer { try? handle.close() }
    var hasher = SHA256()
    while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
      hasher.update(data: chunk)
    }
    return hex(hasher.finalize())
  }

  static func hex(_ digest: SHA256.Digest) -> String { FileHash.hex(digest) }
}
