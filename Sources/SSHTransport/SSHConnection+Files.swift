import Basics
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
    try upload(
      .data(data), size: data.count, sha256: FileHash.sha256(of: data), to: path, mode: mode,
      owner: owner, group: group, sudo: sudo)
  }

  /// Streams the local `file` to `path` on the host in one request, through ``ReceiveScript``:
  /// written to a new temporary file beside `path`, checked against the local SHA-256 on the
  /// host, given `mode`, `owner` and `group`, then renamed over `path` (atomic: readers see the
  /// old or the new file, never a part). A missing parent directory is made (mode 0700, owned
  /// by whoever writes: root with `sudo`). `sha256` (hex), when the caller already knows it,
  /// spares reading the file twice (one artifact to many hosts); a wrong value makes the host
  /// refuse the upload.
  public func upload(
    file: URL, to path: String, mode: Int = 0o644, owner: String? = nil, group: String? = nil,
    sudo: Bool = false, sha256: String? = nil
  ) throws(SSHError) {
    let label = "upload \(path)"
    let digest: String
    do { digest = try sha256 ?? FileHash.sha256(path: file.path) } catch {
      throw SSHError(
        .transferFailed, host: target.name, step: label,
        reason: "cannot read \(file.path): \(error.localizedDescription).")
    }
    let size = try ReceiveScript.size(of: file, host: target.name, step: label)
    try upload(
      .fileBytes(file, length: size), size: size, sha256: digest, to: path, mode: mode,
      owner: owner, group: group, sudo: sudo)
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

  private func upload(
    _ source: StdinPump.Source, size: Int, sha256: String, to path: String, mode: Int,
    owner: String?, group: String?, sudo: Bool
  ) throws(SSHError) {
    let label = "upload \(path)"
    let file = ReceivedFile(
      source: source, path: path, size: size, sha256: sha256, mode: mode, owner: owner,
      group: group)
    let result = try receive(
      [file], thenRun: "", sudo: sudo, timeout: nil, step: label,
      remedy: sudo ? nil : "If the destination belongs to root, upload with sudo.")
    guard result.succeeded else {
      let why = result.stderrText.trimmingCharacters(in: .whitespacesAndNewlines)
      throw SSHError(
        .transferFailed, host: target.name, step: label,
        reason: "the upload did not complete"
          + (why.isEmpty ? " (exit status \(result.exitStatus))" : ": \(why)") + ".")
    }
  }
}
