import Basics
import CLibSSH2
import Foundation

/// One SSH session to one host, reused for every command of a run.
///
/// Every libssh2 call runs on a thread this connection owns (its actor executor), never on
/// Swift's cooperative pool. Commands on one connection run one after another.
public actor SSHConnection {
  /// The host this connection talks to.
  public nonisolated let target: SSHTarget
  let options: SSHOptions
  nonisolated let executor: ThreadExecutor

  /// Runs the actor on the connection's own thread.
  public nonisolated var unownedExecutor: UnownedSerialExecutor {
    executor.asUnownedSerialExecutor()
  }

  var session: LibSSH2Session?
  private var lostReason: String?
  /// The last command found the connection gone when it asked for a channel.
  private var lostOpeningChannel = false
  /// A channel was opened on this connection: sshd has set up the login's session.
  var loginSessionOpen = false
  private var keepaliveTask: Task<Void, Never>?

  /// How the session authenticated.
  public private(set) var authentication: SSHAuthentication = .none
  /// The host key the host proved it holds.
  public private(set) var hostKey: SSHHostKey?
  /// How many requests went to the host: each command and each file transfer counts one.
  public internal(set) var roundTrips = 0

  init(target: SSHTarget, options: SSHOptions) {
    self.target = target
    self.options = options
    executor = ThreadExecutor(name: "ssh " + target.name)
  }

  deinit {
    keepaliveTask?.cancel()
    executor.shutdown()
  }

  /// Connects, checks the host key and authenticates, within ``SSHOptions/connectTimeout``.
  public static func connect(
    to target: SSHTarget, options: SSHOptions = SSHOptions()
  ) async throws(SSHError) -> SSHConnection {
    let connection = SSHConnection(target: target, options: options)
    try await connection.open()
    return connection
  }

  /// Ends the session; later calls fail.
  public func close() {
    keepaliveTask?.cancel()
    keepaliveTask = nil
    session = nil
    if lostReason == nil { lostReason = "the connection was closed" }
  }

  /// Runs `command` and returns what it produced, whatever its exit status.
  ///
  /// Throws for what is not the command's own failure: the connection, a time limit, sudo.
  public func execute(_ command: RemoteCommand) throws(SSHError) -> ExecResult {
    ScriptLog.record(command, host: target.name)
    return try run(command, stdin: [.data(command.stdin)])
  }

  /// Runs `command` and throws ``SSHError/Kind/commandFailed`` unless it exits 0.
  @discardableResult
  public func executeChecked(_ command: RemoteCommand) throws(SSHError) -> ExecResult {
    let result = try execute(command)
    guard result.succeeded else { throw commandFailed(command.label, result) }
    return result
  }

  // MARK: - Internals shared with file transfer

  /// Whether the caller runs on this connection's own thread (always true inside the actor).
  func isOnOwnThread() -> Bool { executor.isCurrentThread }

  func commandLine(for command: RemoteCommand) throws(SSHError) -> RemoteCommandLine {
    let withPassword =
      command.sudo && (target.becomePassword != nil || options.becomePassword != nil)
    return try RemoteCommandLine.build(
      command, timeout: command.timeout ?? options.commandTimeout, killGrace: options.killGrace,
      withPassword: withPassword, nonce: Self.nonce(), host: target.name)
  }

  /// Runs `command` with `stdin` (in place of `command.stdin`) on its standard input: a file
  /// that cannot be read fails before anything is sent.
  func run(_ command: RemoteCommand, stdin sources: [StdinPump.Source]) throws(SSHError)
    -> ExecResult
  {
    let line = try commandLine(for: command)
    let pump: StdinPump
    do { pump = try StdinPump(sources) } catch {
      throw SSHError(
        .transferFailed, host: target.name, step: command.label,
        reason: "cannot read the file to upload: \(error.localizedDescription).")
    }
    let limit = command.outputLimit ?? options.outputLimit
    let stdout = TailBuffer(limit: limit)
    let stderr = TailBuffer(limit: limit)
    let started = ContinuousClock.now
    let outcome = try run(line, stdin: pump, stdout: stdout, stderr: stderr, label: command.label)
    var result = ExecResult(
      stdout: stdout.contents, stderr: stderr.contents, exitStatus: outcome.exitStatus,
      exitSignal: outcome.exitSignal)
    result.stdoutDropped = stdout.dropped
    result.stderrDropped = stderr.dropped
    try check(outcome, line: line, label: command.label, started: started)
    return result
  }

  /// Runs `line` with its output going to `stdout` and `stderr` as it arrives.
  func run(
    _ line: RemoteCommandLine, stdin: StdinPump, stdout: any OutputSink, stderr: TailBuffer,
    label: String
  ) throws(SSHError) -> ExecChannel.Outcome {
    lostOpeningChannel = false
    do {
      return try runOnce(line, stdin: stdin, stdout: stdout, stderr: stderr, label: label)
    } catch let error where lostOpeningChannel && loginSessionOpen {
      // The held connection was gone when this command asked for a channel (its sshd process
      // ended, or stopped answering, while the connection was idle): nothing ran, so connect
      // again once and retry. A connection keepalives already found dead fails at once; a new
      // one whose login session never opened would only wait the same way again.
      lostOpeningChannel = false
      guard reopen() else { throw error }
      return try runOnce(line, stdin: stdin, stdout: stdout, stderr: stderr, label: label)
    }
  }

  private func runOnce(
    _ line: RemoteCommandLine, stdin: StdinPump, stdout: any OutputSink, stderr: TailBuffer,
    label: String
  ) throws(SSHError) -> ExecChannel.Outcome {
    let session = try liveSession(step: label)
    roundTrips += 1
    let hardDeadline = line.timeout.map {
      ContinuousClock.now + $0 + options.killGrace + .seconds(10)
    }
    let channel = ExecChannel(
      session: session, keepalive: options.keepaliveInterval > .zero,
      requestTimeout: options.connectTimeout, openTimeout: channelOpenTimeout)
    do {
      let outcome = try channel.run(
        line, stdin: stdin, stdout: stdout, stderr: stderr, password: { becomePassword() },
        hardDeadline: hardDeadline)
      loginSessionOpen = true
      return outcome
    } catch {
      // Only a channel that never opened is retried (nothing ran); anything after it may have.
      if case .notOpened(let cause) = error {
        lostOpeningChannel = cause.isConnectionLost
      } else {
        loginSessionOpen = true  // the channel opened; what failed came after
      }
      throw failure(error, label: label, limit: line.timeout)
    }
  }

  /// How long a channel request may wait: longer for a new connection's first, which sshd
  /// answers only once the login's session is set up (``SSHOptions/loginSessionTimeout``).
  var channelOpenTimeout: Duration {
    loginSessionOpen
      ? options.connectTimeout : max(options.connectTimeout, options.loginSessionTimeout)
  }

  /// Connects again after the connection was lost between commands; false when that fails
  /// (the loss's reason stays).
  private func reopen() -> Bool {
    let reason = lostReason
    do {
      try open()
      lostReason = nil
      return true
    } catch {
      lostReason =
        (reason ?? "the connection was lost") + "; connecting again failed: \(error.reason)"
      return false
    }
  }

  /// Throws when `outcome` says the command was ended at its time limit (it ran from
  /// `started`) or sudo refused it.
  func check(
    _ outcome: ExecChannel.Outcome, line: RemoteCommandLine, label: String,
    started: ContinuousClock.Instant
  ) throws(SSHError) {
    if let limit = line.timeout, started.duration(to: .now) >= limit,
      (outcome.exitStatus == RemoteCommandLine.exitTimedOut && outcome.exitSignal == nil)
        || outcome.exitSignal == "KILL"
    {
      throw SSHError(
        .timeout, host: target.name, step: label,
        reason: "the command was still running after \(Self.describe(limit)) and was ended "
          + "(SIGTERM to its process group, SIGKILL \(Self.describe(options.killGrace)) later).",
        remedy: "Find out why it takes so long, or give it a longer time limit.")
    }
    if let message = outcome.sudoMessage, outcome.exitStatus != 0 || outcome.exitSignal != nil {
      throw sudoFailure(message, label: label)
    }
  }

  func commandFailed(_ label: String, _ result: ExecResult) -> SSHError {
    let how =
      result.exitSignal.map { "was killed by SIG\($0)" }
      ?? "exited with status \(result.exitStatus)"
    let lines = result.stderrText.split(separator: "\n").suffix(3).joined(separator: " | ")
    let detail = lines.isEmpty ? "" : ": " + String(lines.prefix(400))
    return SSHError(
      .commandFailed, host: target.name, step: label, reason: "the command \(how)\(detail)")
  }

  // MARK: - Connecting

  private func open() throws(SSHError) {
    let deadline = ContinuousClock.now + options.connectTimeout
    let fd: Int32
    do {
      fd = try TCPConnector.connect(
        host: target.address, port: target.port, deadline: deadline,
        userTimeout: options.keepaliveInterval * 3)
    } catch {
      throw SSHError(
        .unreachable, host: target.name, step: "connect",
        reason: "cannot connect to \(target.address) port \(target.port): \(error.reason).",
        remedy: "Check that the host is up and on the tailnet (tailscale ping \(target.address)) "
          + "and that sshd listens on port \(target.port).")
    }
    let session: LibSSH2Session
    do { session = try LibSSH2Session(socket: fd) } catch {
      throw SSHError(.sessionFailed, host: target.name, step: "connect", reason: error.text + ".")
    }
    session.setBlocking(true, timeout: Self.remaining(until: deadline))
    let policy = HostKeyPolicy(options: options)
    let expectation = policy.expectation(for: target)
    let preference = HostKeyPolicy.algorithmPreference(
      for: expectation, supported: session.supportedHostKeyAlgorithms())
    if !preference.isEmpty {
      _ = libssh2_session_method_pref(
        session.raw, LIBSSH2_METHOD_HOSTKEY, preference.joined(separator: ","))
    }
    // libssh2 1.10 encrypts one 16-byte block per OpenSSL call, so the cipher's rounds show in
    // upload throughput: AES-128-CTR (as strong as the transfer needs) ahead of AES-256-CTR.
    for method in [LIBSSH2_METHOD_CRYPT_CS, LIBSSH2_METHOD_CRYPT_SC] {
      session.prefer(["aes128-ctr"], for: method)
    }
    guard libssh2_session_handshake(session.raw, fd) == 0 else {
      throw handshakeFailure(session.lastFailure(), expectation: expectation)
    }
    guard let offered = session.offeredHostKey() else {
      throw SSHError(
        .sessionFailed, host: target.name, step: "host key",
        reason: "the host sent no host key libssh2 can read.")
    }
    let verdict = policy.verdict(offered: offered, expectation: expectation)
    if let refusal = policy.refusal(
      verdict, offered: offered, expectation: expectation, target: target)
    {
      throw refusal
    }
    if verdict == .unknown { try policy.record(offered, for: target) }
    hostKey = offered
    session.setBlocking(true, timeout: Self.remaining(until: deadline))
    var authenticator = Authenticator(session: session, target: target, options: options)
    authentication = try authenticator.authenticate()
    session.setBlocking(false)
    let interval = options.keepaliveInterval.components.seconds
    if interval > 0 { libssh2_keepalive_config(session.raw, 1, UInt32(clamping: interval)) }
    self.session = session
    loginSessionOpen = false
    startKeepalive()
  }

  private func handshakeFailure(
    _ failure: LibSSH2Failure, expectation: HostKeyPolicy.Expectation
  ) -> SSHError {
    if expectation.isKnown,
      failure.code == LIBSSH2_ERROR_KEX_FAILURE || failure.code == LIBSSH2_ERROR_METHOD_NONE
    {
      let known = Set(expectation.keys.map(\.key.type)).sorted().joined(separator: ", ")
      return SSHError(
        .hostKeyMismatch, host: target.name, step: "host key",
        reason: "the host offers none of the host key types recorded for it (\(known)); "
          + "its keys may have been replaced (\(failure.text)).",
        remedy: "Confirm the host's keys on its console, then update the known_hosts entry.")
    }
    return SSHError(
      .unreachable, host: target.name, step: "connect",
      reason: "the SSH handshake with \(target.address) failed: \(failure.text).",
      remedy: "Check that an SSH server (OpenSSH) answers on port \(target.port).")
  }

  // MARK: - Keepalive

  private func startKeepalive() {
    let interval = options.keepaliveInterval
    guard interval > .zero else { return }
    keepaliveTask = Task.detached { [weak self] in
      while !Task.isCancelled {
        try? await Task.sleep(for: interval)
        guard let self else { return }
        await self.sendKeepalive()
      }
    }
  }

  private func sendKeepalive() {
    guard let session else { return }
    var next: Int32 = 0
    let rc = libssh2_keepalive_send(session.raw, &next)
    if rc != 0 && rc != LIBSSH2_ERROR_EAGAIN {
      lose(
        "the host stopped answering: keepalives went unacknowledged "
          + "(\(session.lastFailure(code: rc).text))")
    }
  }

  // MARK: - Helpers

  private func liveSession(step: String) throws(SSHError) -> LibSSH2Session {
    if let session { return session }
    throw SSHError(
      .unreachable, host: target.name, step: step,
      reason: (lostReason ?? "the connection is not open") + "; nothing was run.",
      remedy: "Check that the host is up, then run again.")
  }

  func lose(_ reason: String) {
    lostReason = reason
    keepaliveTask?.cancel()
    session = nil
  }

  private func becomePassword() -> String? {
    target.becomePassword ?? options.becomePassword
  }

  static func remaining(until deadline: ContinuousClock.Instant) -> Duration {
    max(.seconds(1), ContinuousClock.now.duration(to: deadline))
  }

  static func describe(_ duration: Duration) -> String {
    let ms = duration.milliseconds
    return ms % 1000 == 0 ? "\(ms / 1000) s" : String(format: "%.1f s", Double(ms) / 1000)
  }

  static func nonce() -> String { FileHash.randomHex(bytes: 8) }
}
