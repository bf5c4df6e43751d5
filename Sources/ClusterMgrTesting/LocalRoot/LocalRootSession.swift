import Engine
import Foundation
import SSHTransport

/// An engine session whose host is a ``LocalRoot`` on this machine: each script runs as root of
/// its own sandbox (``LocalRootSandbox``) with `/bin/sh -s`, as the SSH session runs it with
/// sudo. Staged files travel ahead of the script through the same receiving script the SSH
/// session uses; its refusals and time limits end in the same errors.
public actor LocalRootSession: HostSession {
  /// The host's root.
  public nonisolated let root: LocalRoot
  let sandbox: LocalRootSandbox
  private var count = 0

  init(root: LocalRoot, sharesNetwork: Bool) {
    self.root = root
    sandbox = LocalRootSandbox(root: root, sharesNetwork: sharesNetwork)
  }

  public var roundTrips: Int { count }

  public func runScript(_ script: String, after files: [StagedUpload], timeout: Duration?)
    async throws -> ScriptOutput
  {
    count += 1
    let step = files.isEmpty ? "run the batch as root" : "upload and run the batch as root"
    let (command, input) = try commandLine(script, after: files, step: step)
    let outcome = try await run(command, input: input, timeout: timeout, step: step)
    let stderr = String(decoding: outcome.stderr, as: UTF8.self)
    if !files.isEmpty,
      let reason = ReceiveScript.refusal(
        exitStatus: outcome.status, exitSignal: nil, stderr: stderr)
    {
      throw SSHError(
        .transferFailed, host: root.host, step: step,
        reason: "the upload did not complete: \(reason).")
    }
    return ScriptOutput(
      stdout: String(decoding: outcome.stdout, as: UTF8.self), stderr: stderr,
      exitStatus: outcome.status)
  }

  /// The command and its standard input: `sh -s` with the script, or, with `files`, the SSH
  /// session's receiving script with each file announced (path, size, sha256, mode 0600) and sent ahead.
  private func commandLine(_ script: String, after files: [StagedUpload], step: String) throws
    -> ([String], [SandboxProcess.Input])
  {
    guard !files.isEmpty else { return (["/bin/sh", "-s"], [.data(Data(script.utf8))]) }
    var arguments: [String] = []
    var input: [SandboxProcess.Input] = []
    for file in files {
      let size = try ReceiveScript.size(of: file.localFile, host: root.host, step: step)
      arguments += ReceiveScript.arguments(path: file.remotePath, size: size, sha256: file.sha256)
      input.append(.file(file.localFile, length: size))
    }
    return (ReceiveScript.command(arguments), input + [.data(Data(script.utf8))])
  }

  /// Runs `command` in the sandbox: a sandbox that cannot start makes the host unreachable, a
  /// command past its time limit is killed with every process it started.
  func run(
    _ command: [String], input: [SandboxProcess.Input], timeout: Duration?, step: String
  ) async throws -> SandboxProcess.Outcome {
    let outcome: SandboxProcess.Outcome
    do {
      outcome = try await SandboxProcess.run(
        sandbox.arguments(command), input: input, timeout: timeout)
    } catch {
      throw Self.sandboxMissing(root.host, step: step, "\(error)")
    }
    if outcome.timedOut, let timeout {
      throw SSHError(
        .timeout, host: root.host, step: step,
        reason: "the command was still running after \(timeout) and was ended "
          + "(its sandbox killed, with every process in it).")
    }
    let stderr = String(decoding: outcome.stderr, as: UTF8.self)
    if outcome.status == 1, stderr.hasPrefix("bwrap: ") {
      throw Self.sandboxMissing(root.host, step: step, stderr)
    }
    return outcome
  }

  static func sandboxMissing(_ host: String, step: String, _ why: String) -> HostUnreachable {
    HostUnreachable(
      host: host, step: step,
      message: "the local sandbox did not start: "
        + why.trimmingCharacters(in: .whitespacesAndNewlines),
      remedy:
        "install bubblewrap (scripts/setup) and allow unprivileged user namespaces "
        + "(sysctl kernel.unprivileged_userns_clone=1)")
  }
}
