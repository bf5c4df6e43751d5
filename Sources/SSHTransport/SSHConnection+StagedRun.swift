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

/// One file for ``ReceiveScript``: where its bytes come from and how it is announced.
struct ReceivedFile {
  var source: StdinPump.Source
  var path: String
  var size: Int
  var sha256: String
  var mode = 0o600
  var owner: String?
  var group: String?

  /// The file's six arguments to the script.
  var arguments: [String] {
    ReceiveScript.arguments(
      path: path, size: size, sha256: sha256, mode: mode, owner: owner, group: group)
  }
}

extension SSHConnection {
  /// Streams `uploads`, then runs `script` with `/bin/sh -s`, all over one channel (one sudo,
  /// one round trip; without uploads, just the script). Each file is received by
  /// ``ReceiveScript`` (mode 0600, owned by whoever writes; a missing directory is made with
  /// mode 0700); the script starts only when every file arrived intact. A file that arrives
  /// damaged, or cannot be written, throws ``SSHError/Kind/transferFailed`` and the script does
  /// not run.
  public func execute(
    script: String, after uploads: [StagedUpload], sudo: Bool, timeout: Duration?, step: String
  ) throws(SSHError) -> ExecResult {
    if uploads.isEmpty {
      return try execute(
        .argv(
          ["/bin/sh", "-s"], sudo: sudo, stdin: Data(script.utf8), timeout: timeout, step: step))
    }
    var files: [ReceivedFile] = []
    for upload in uploads {
      let size = try ReceiveScript.size(of: upload.localFile, host: target.name, step: step)
      files.append(
        ReceivedFile(
          source: .fileBytes(upload.localFile, length: size), path: upload.remotePath,
          size: size, sha256: upload.sha256))
    }
    return try receive(files, thenRun: script, sudo: sudo, timeout: timeout, step: step)
  }

  /// Sends `files` through ``ReceiveScript`` and then `script` (empty: nothing runs), on one
  /// channel; a refused file throws ``SSHError/Kind/transferFailed`` with `remedy`.
  func receive(
    _ files: [ReceivedFile], thenRun script: String, sudo: Bool, timeout: Duration?, step: String,
    remedy: String? = nil
  ) throws(SSHError) -> ExecResult {
    for file in files where !file.path.hasPrefix("/") || file.path.hasSuffix("/") {
      throw SSHError(
        .invalidRequest, host: target.name, step: step,
        reason: "the destination \(file.path) must be an absolute file path.")
    }
    ScriptLog.record(script: ReceiveScript.text, host: target.name)
    if !script.isEmpty { ScriptLog.record(script: script, host: target.name) }
    let result = try run(
      .argv(
        ReceiveScript.command(files.flatMap(\.arguments)), sudo: sudo, timeout: timeout,
        step: step),
      stdin: files.map(\.source) + [.data(Data(script.utf8))])
    if let reason = ReceiveScript.refusal(
      exitStatus: result.exitStatus, exitSignal: result.exitSignal, stderr: result.stderrText)
    {
      throw SSHError(
        .transferFailed, host: target.name, step: step,
        reason: "the upload did not complete: \(reason).", remedy: remedy)
    }
    return result
  }
}
