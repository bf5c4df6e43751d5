import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Strict host-key checking, as OpenSSH does it: known keys must match, unknown hosts are refused
/// unless accept-new is on (then recorded in cluster-mgr's own file), changed keys never pass.
struct HostKeyPolicy: Sendable {
  /// A key the host is expected to offer, and where that expectation comes from.
  struct Expected: Sendable, Equatable {
    let key: SSHHostKey
    let source: String
  }

  /// What is known about one host before connecting.
  struct Expectation: Sendable {
    let keys: [Expected]
    let revoked: [SSHHostKey]
    var isKnown: Bool { !keys.isEmpty }
  }

  /// The verdict on the key a host offered.
  enum Verdict: Sendable, Equatable {
    case trusted(source: String)
    case unknown
    case mismatch
    case revoked
  }

  let knownHosts: KnownHosts
  let ownFile: String
  let acceptNew: Bool

  init(options: SSHOptions) {
    knownHosts = KnownHosts(files: options.knownHostsFiles + [options.ownKnownHostsFile])
    ownFile = options.ownKnownHostsFile
    acceptNew = options.acceptNewHostKeys
  }

  init(knownHosts: KnownHosts, ownFile: String, acceptNew: Bool) {
    self.knownHosts = knownHosts
    self.ownFile = ownFile
    self.acceptNew = acceptNew
  }

  /// The keys known for `target` from known_hosts files and its trusted (Tailscale) keys.
  func expectation(for target: SSHTarget) -> Expectation {
    let entries = knownHosts.entries(forHost: target.address, port: target.port)
    var keys = entries.filter { $0.marker == .none }.map {
      Expected(key: $0.key, source: $0.source)
    }
    keys += target.trustedHostKeys.compactMap(SSHHostKey.init(openSSH:)).map {
      Expected(key: $0, source: "Tailscale sshHostKeys")
    }
    return Expectation(keys: keys, revoked: entries.filter { $0.marker == .revoked }.map(\.key))
  }

  /// The host-key algorithms to offer, best first: only those of known key types when the host
  /// is known (libssh2 would otherwise pick ECDSA even when only the ed25519 key is recorded).
  static func algorithmPreference(for expectation: Expectation, supported: [String]) -> [String] {
    let all = order.filter(supported.contains)
    guard expectation.isKnown else { return all }
    let knownTypes = Set(expectation.keys.map(\.key.type))
    let known = all.filter { knownTypes.contains(keyType(ofAlgorithm: $0)) }
    return known.isEmpty ? all : known
  }

  /// Judges the key the host offered.
  func verdict(offered: SSHHostKey, expectation: Expectation) -> Verdict {
    if expectation.revoked.contains(offered) { return .revoked }
    if let match = expectation.keys.first(where: { $0.key == offered }) {
      return .trusted(source: match.source)
    }
    return expectation.isKnown ? .mismatch : .unknown
  }

  /// Appends `key` for `target` to cluster-mgr's own known_hosts file.
  func record(_ key: SSHHostKey, for target: SSHTarget) throws(SSHError) {
    let line = KnownHosts.line(host: target.address, port: target.port, key: key) + "\n"
    do {
      let directory = URL(fileURLWithPath: ownFile).deletingLastPathComponent()
      try FileManager.default.createDirectory(
        at: directory, withIntermediateDirectories: true,
        attributes: [.posixPermissions: 0o700])
    } catch {
      throw recordError(target, "cannot create its directory: \(error.localizedDescription)")
    }
    let fd = open(ownFile, O_WRONLY | O_APPEND | O_CREAT, 0o600)
    guard fd >= 0 else { throw recordError(target, String(cString: strerror(errno))) }
    defer { close(fd) }
    let written = line.withCString { write(fd, $0, strlen($0)) }
    guard written == line.utf8.count else {
      throw recordError(target, String(cString: strerror(errno)))
    }
  }

  private func recordError(_ target: SSHTarget, _ why: String) -> SSHError {
    SSHError(
      .sessionFailed, host: target.name, step: "host key",
      reason: "could not record the new host key in \(ownFile): \(why).",
      remedy: "Check that the directory is writable, or set CLUSTER_MGR_STATE_DIR.")
  }

  static let order = [
    "ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521",
    "rsa-sha2-512", "rsa-sha2-256", "ssh-rsa",
  ]

  static func keyType(ofAlgorithm algorithm: String) -> String {
    algorithm.hasPrefix("rsa-sha2-") ? "ssh-rsa" : algorithm
  }
}

extension HostKeyPolicy {
  /// The error for a verdict that must stop the connection, before anything is sent to the host.
  func refusal(
    _ verdict: Verdict, offered: SSHHostKey, expectation: Expectation, target: SSHTarget
  ) -> SSHError? {
    let who = KnownHosts.lookupName(host: target.address, port: target.port)
    switch verdict {
    case .trusted: return nil
    case .unknown:
      if acceptNew { return nil }
      return SSHError(
        .hostKeyUnknown, host: target.name, step: "host key",
        reason: "the host key of \(who) is not known (it offered \(offered.type) "
          + "\(offered.fingerprint)); refusing to connect.",
        remedy: "Compare it with the host's own (ssh-keygen -lf /etc/ssh/ssh_host_"
          + "\(shortType(offered.type))_key.pub on its console), then either run again with "
          + "--accept-new to record it in \(ownFile), or turn on Tailscale SSH on the host "
          + "(sudo tailscale set --ssh): cluster-mgr then trusts the host keys the tailnet "
          + "reports for it.")
    case .revoked:
      return SSHError(
        .hostKeyMismatch, host: target.name, step: "host key",
        reason: "\(who) offered the host key \(offered.type) \(offered.fingerprint), which is "
          + "marked @revoked; nothing was sent to the host.",
        remedy: "Do not connect until the host has a new key; ask whoever revoked it.")
    case .mismatch:
      let expected = expectation.keys.map { "\($0.key.type) \($0.key.fingerprint) (\($0.source))" }
      return SSHError(
        .hostKeyMismatch, host: target.name, step: "host key",
        reason: "HOST KEY MISMATCH for \(who): expected "
          + expected.joined(separator: " or ") + ", but the host offered \(offered.type) "
          + "\(offered.fingerprint). Someone may be intercepting the connection, or the host was "
          + "reinstalled; nothing was sent to the host.",
        remedy: "If the host was reinstalled, confirm the new fingerprint on its console "
          + "(ssh-keygen -lf /etc/ssh/ssh_host_\(shortType(offered.type))_key.pub), then remove "
          + "the old entry (ssh-keygen -R '\(who)' -f FILE) and connect with --accept-new.")
    }
  }

  private func shortType(_ type: String) -> String {
    if type == "ssh-ed25519" { return "ed25519" }
    if type.hasPrefix("ecdsa") { return "ecdsa" }
    return "rsa"
  }
}
