import Foundation

/// A command to run on a host: what to run, as whom, with which input, environment and time limit.
public struct RemoteCommand: Sendable {
  /// What runs: a `sh` script, or an argument vector (each argument quoted, nothing expanded).
  public enum Program: Sendable, Hashable {
    /// A POSIX `sh` script, run as `/bin/sh -c SCRIPT`.
    case script(String)
    /// A program and its arguments, passed verbatim.
    case argv([String])
  }

  /// What runs.
  public var program: Program
  /// Run as root through sudo (`-n`, or with the target's become password).
  public var sudo: Bool
  /// Bytes written to the command's standard input (then end of file).
  public var stdin: Data
  /// Environment variables set for the command (through `env`, not sshd's AcceptEnv).
  public var environment: [String: String]
  /// The time limit; nil means ``SSHOptions/commandTimeout``.
  public var timeout: Duration?
  /// A short label for messages (`install k3s`); defaults to the start of the command.
  public var step: String?
  /// The most bytes kept of each output stream (the last ones); nil means
  /// ``SSHOptions/outputLimit``. What is dropped is counted in the result.
  public var outputLimit: Int?

  /// Creates a command.
  public init(
    _ program: Program, sudo: Bool = false, stdin: Data = Data(),
    environment: [String: String] = [:], timeout: Duration? = nil, step: String? = nil
  ) {
    self.program = program
    self.sudo = sudo
    self.stdin = stdin
    self.environment = environment
    self.timeout = timeout
    self.step = step
  }

  /// A `sh` script.
  public static func script(
    _ script: String, sudo: Bool = false, stdin: Data = Data(),
    environment: [String: String] = [:], timeout: Duration? = nil, step: String? = nil
  ) -> RemoteCommand {
    RemoteCommand(
      .script(script), sudo: sudo, stdin: stdin, environment: environment, timeout: timeout,
      step: step)
  }

  /// A program and its arguments.
  public static func argv(
    _ argv: [String], sudo: Bool = false, stdin: Data = Data(),
    environment: [String: String] = [:], timeout: Duration? = nil, step: String? = nil
  ) -> RemoteCommand {
    RemoteCommand(
      .argv(argv), sudo: sudo, stdin: stdin, environment: environment, timeout: timeout, step: step)
  }

  /// The label used in messages.
  public var label: String {
    if let step { return step }
    let text: String
    switch program {
    case .script(let script): text = script
    case .argv(let argv): text = argv.joined(separator: " ")
    }
    let line = text.split(separator: "\n").first.map(String.init) ?? ""
    return line.count > 60 ? String(line.prefix(57)) + "..." : line
  }
}

/// What a finished remote command produced.
public struct ExecResult: Sendable, Equatable {
  /// Everything written to standard output.
  public var stdout: Data
  /// Everything written to standard error.
  public var stderr: Data
  /// The exit status (0 when the command was killed by a signal: see ``exitSignal``).
  public var exitStatus: Int32
  /// The signal that killed the command (`KILL`, `TERM`…), if any.
  public var exitSignal: String?

  /// Creates a result.
  public init(stdout: Data, stderr: Data, exitStatus: Int32, exitSignal: String?) {
    self.stdout = stdout
    self.stderr = stderr
    self.exitStatus = exitStatus
    self.exitSignal = exitSignal
  }

  /// Bytes of standard output dropped before ``stdout`` (the output limit kept only the last ones).
  public var stdoutDropped = 0
  /// Bytes of standard error dropped before ``stderr``.
  public var stderrDropped = 0

  /// Exit status 0 and no signal.
  public var succeeded: Bool { exitStatus == 0 && exitSignal == nil }
  /// Standard output as UTF-8 text.
  public var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
  /// Standard error as UTF-8 text.
  public var stderrText: String { String(decoding: stderr, as: UTF8.self) }
}
