import Basics
import CLibSSH2
import Foundation

/// Authenticates a session, in this order unless configured otherwise: `none` (asked first by the
/// protocol; Tailscale SSH accepts it), ssh-agent keys, the target's key file, the default key
/// files (encrypted ones with a passphrase), and RSA keys last (libssh2 1.10 signs them with
/// SHA-1 only, which OpenSSH 8.8 and later refuse).
struct Authenticator {
  let session: LibSSH2Session
  let target: SSHTarget
  let options: SSHOptions

  /// What was tried, for the failure message.
  private(set) var attempts: [String] = []
  private var rsaKeys: [String] = []

  init(session: LibSSH2Session, target: SSHTarget, options: SSHOptions) {
    self.session = session
    self.target = target
    self.options = options
  }

  mutating func authenticate() throws(SSHError) -> SSHAuthentication {
    let user = target.user
    let list = libssh2_userauth_list(session.raw, user, UInt32(user.utf8.count))
    guard let list else {
      if libssh2_userauth_authenticated(session.raw) != 0 { return .none }
      throw lost(session.lastFailure())
    }
    let methods = String(cString: list).split(separator: ",").map(String.init)
    guard methods.contains("publickey") else {
      throw SSHError(
        .authFailed, host: target.name, step: "authenticate",
        reason: "the server does not accept public keys for \(user) (it offers: "
          + methods.joined(separator: ", ") + ").",
        remedy: "Enable PubkeyAuthentication in the host's sshd_config, or use Tailscale SSH.")
    }
    let agent = options.useAgent ? Agent(session: session, socket: options.agentSocket) : nil
    defer { agent?.close() }
    if let agent {
      if let result = try tryAgent(agent, rsa: false) { return result }
    } else {
      attempts.append("ssh-agent (disabled)")
    }
    var rsaFiles: [String] = []
    for path in keyFiles() {
      guard let info = KeyFileInfo(path: path) else {
        let exists = FileManager.default.fileExists(atPath: path)
        attempts.append("\(path) (\(exists ? "not a private key" : "not found"))")
        continue
      }
      if info.type == .rsa, !LibSSH2.canSignRSAWithSHA2 {
        rsaFiles.append(path)
        continue
      }
      if try tryFile(path, info) { return .keyFile(path: path) }
    }
    if let agent, let result = try tryAgent(agent, rsa: true) { return result }
    for path in rsaFiles {
      if try tryFile(
        path, KeyFileInfo(type: .rsa, encrypted: KeyFileInfo(path: path)?.encrypted ?? false))
      {
        return .keyFile(path: path)
      }
    }
    throw failure()
  }

  // MARK: - Agent

  private mutating func tryAgent(_ agent: Agent, rsa: Bool) throws(SSHError) -> SSHAuthentication? {
    guard let identities = agent.identities() else {
      if !rsa { attempts.append("ssh-agent (\(agent.problem))") }
      return nil
    }
    var rejected = 0
    for identity in identities where (identity.key?.type == "ssh-rsa") == rsa {
      let rc = agent.authenticate(user: target.user, identity: identity.pointer)
      if rc == 0 { return .agent(key: identity.label) }
      let failure = session.lastFailure(code: rc)
      if failure.isConnectionLost { throw lost(failure) }
      rejected += 1
      if rsa { rsaKeys.append("agent key \(identity.label)") }
    }
    if !rsa {
      let skipped = identities.filter { $0.key?.type == "ssh-rsa" }.count
      var note = "ssh-agent (\(identities.count) key\(identities.count == 1 ? "" : "s")"
      if rejected > 0 { note += ", \(rejected) rejected" }
      if skipped > 0 { note += ", \(skipped) RSA tried last" }
      attempts.append(note + ")")
    }
    return nil
  }

  // MARK: - Key files

  private func keyFiles() -> [String] {
    var seen = Set<String>()
    return ([target.keyFile].compactMap { $0 } + options.defaultKeyFiles)
      .map(Self.expandTilde)
      .filter { seen.insert($0).inserted }
  }

  private mutating func tryFile(_ path: String, _ info: KeyFileInfo) throws(SSHError) -> Bool {
    var passphrase: String?
    if info.encrypted {
      passphrase = options.passphrase(path)
      guard passphrase != nil else {
        attempts.append(
          "\(path) (encrypted, no passphrase: set \(SecretPrompt.passphraseVariable) or run on a terminal)"
        )
        return false
      }
    }
    let rc = libssh2_userauth_publickey_fromfile_ex(
      session.raw, target.user, UInt32(target.user.utf8.count), nil, path, passphrase ?? "")
    if rc == 0 { return true }
    let failure = session.lastFailure(code: rc)
    if failure.isConnectionLost { throw lost(failure) }
    let kind = info.type.rawValue
    if rc == LIBSSH2_ERROR_FILE || rc == LIBSSH2_ERROR_KEYFILE_AUTH_FAILED {
      attempts.append(
        "\(path) (\(kind): " + (info.encrypted ? "wrong passphrase" : "unreadable key file") + ")")
    } else {
      attempts.append("\(path) (\(kind): rejected by the server)")
      if info.type == .rsa { rsaKeys.append(path) }
    }
    return false
  }

  static func expandTilde(_ path: String) -> String {
    guard path == "~" || path.hasPrefix("~/") else { return path }
    return StatePaths.homeDirectory.path + path.dropFirst()
  }

  // MARK: - Errors

  private func lost(_ failure: LibSSH2Failure) -> SSHError {
    if attempts.isEmpty {
      return SSHError(
        .unreachable, host: target.name, step: "authenticate",
        reason: "the connection was lost before authentication (\(failure.text)).",
        remedy: "Check that sshd is running on the host and reachable.")
    }
    return SSHError(
      .authFailed, host: target.name, step: "authenticate",
      reason: "the server closed the connection while authenticating \(target.user) "
        + "(too many keys tried?). Tried: " + attempts.joined(separator: "; ") + ".",
      remedy: "Set ansible_ssh_private_key_file to the right key, or hold fewer keys in ssh-agent "
        + "(sshd allows MaxAuthTries attempts).")
  }

  private func failure() -> SSHError {
    let tried = "Tried: " + attempts.joined(separator: "; ") + "."
    if !rsaKeys.isEmpty {
      return SSHError(
        .authFailed, host: target.name, step: "authenticate",
        reason: "authentication as \(target.user) failed. The remaining key is an RSA key ("
          + rsaKeys.joined(separator: ", ") + "), and libssh2 "
          + LibSSH2Library.runtimeVersion + " signs with RSA keys only using SHA-1 (ssh-rsa), "
          + "which OpenSSH 8.8 and later refuse. " + tried,
        remedy: "Use an ed25519 key: `ssh-keygen -t ed25519`, add the .pub to "
          + "~\(target.user)/.ssh/authorized_keys on the host, and set "
          + "ansible_ssh_private_key_file to it (or `ssh-add` it); or use libssh2 1.11 or later.")
    }
    return SSHError(
      .authFailed, host: target.name, step: "authenticate",
      reason: "the server accepted none of the keys for \(target.user). " + tried,
      remedy: "Add your public key to ~\(target.user)/.ssh/authorized_keys on the host, load the "
        + "right key into ssh-agent (ssh-add), or set ansible_ssh_private_key_file.")
  }
}
