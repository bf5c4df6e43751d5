import Basics
import Crypto
import Foundation

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
  public func download(_ path: String, sudo: Bool = false) throws(SSHError) -> Data {
    let label = "download \(path)"
    let result = try execute(.argv(["cat", "--", path], sudo: sudo, step: label))
    guard result.succeeded else {
      throw SSHError(
        .transferFailed, host: target.name, step: label,
        reason: "cannot read \(path): "
          + result.stderrText.trimmingCharacters(in: .whitespacesAndNewlines),
        remedy: sudo ? nil : "If only root may read it, download it with sudo.")
    }
    return result.stdout
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

  static func hex(_ digest: SHA256.Digest) -> String {
    digest.map { String(format: "%02x", $0) }.joined()
  }
}
