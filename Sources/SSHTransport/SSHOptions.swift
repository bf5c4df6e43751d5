import Basics
import Foundation

/// How connections behave: time limits, keepalive, host-key policy and where credentials come from.
public struct SSHOptions: Sendable {
  /// The longest a TCP connect, SSH handshake and authentication may take together.
  public var connectTimeout: Duration = .seconds(10)
  /// How long the first channel of a new connection may wait for its answer: sshd answers it only
  /// after opening the login's PAM session, which on a systemd host waits for logind (and for a
  /// user manager that is still stopping); pam_systemd itself gives up after 2 minutes.
  public var loginSessionTimeout: Duration = .seconds(120)
  /// The time limit of a command that does not set its own; nil means none.
  public var commandTimeout: Duration? = .seconds(3600)
  /// The most bytes of each output stream of a command kept in memory (the last ones), unless
  /// the command sets its own limit; a command that writes more is not stopped, its older output
  /// is dropped and counted (``ExecResult/stdoutDropped``).
  public var outputLimit = 16 << 20
  /// How long a timed-out command gets after SIGTERM before its process group gets SIGKILL.
  public var killGrace: Duration = .seconds(5)
  /// How often an idle connection sends a keepalive; zero disables keepalives.
  public var keepaliveInterval: Duration = .seconds(15)
  /// Record the key of a host that is not known yet instead of refusing it (OpenSSH accept-new).
  public var acceptNewHostKeys = false
  /// known_hosts files read (never written), in OpenSSH format: `~/.ssh/known_hosts` by default.
  public var knownHostsFiles: [String] = [
    StatePaths.homeDirectory.appendingPathComponent(".ssh/known_hosts").path
  ]
  /// cluster-mgr's own known_hosts file: read, and where accepted new keys are recorded.
  public var ownKnownHostsFile: String = StatePaths.knownHosts.path
  /// Try the keys of the ssh-agent first.
  public var useAgent = true
  /// The agent's socket; nil or empty means no agent.
  public var agentSocket: String? = ProcessInfo.processInfo.environment["SSH_AUTH_SOCK"]
  /// Key files tried after the target's own key file.
  public var defaultKeyFiles: [String] = ["~/.ssh/id_ed25519", "~/.ssh/id_ecdsa"]
  /// Supplies the passphrase of an encrypted key file (given its path); nil skips the key.
  public var passphrase: @Sendable (String) -> String? = SecretPrompt.keyPassphrase
  /// The sudo password for targets without their own (`--ask-become-pass`); nil: sudo must not
  /// ask on those.
  public var becomePassword: String?

  /// The defaults: strict host keys, agent then key files, 10 s connect, 1 h per command.
  public init() {}
}
