extension TailscaleStatus {
  /// Throws the error that explains why the peer list cannot be trusted, unless tailscaled is
  /// `Running` or `Starting`.
  public func requireCurrentPeers() throws(TailscaleError) {
    switch backendState {
    case .running, .starting:
      return
    case .needsLogin:
      throw .needsLogin(authURL: authURL, keyExpired: selfNode?.keyExpired ?? false)
    case .needsMachineAuth:
      throw .needsMachineAuth
    case .stopped:
      throw .stopped(stalePeers: visiblePeers.count)
    case .noState, .other:
      throw .notReady(state: backendState.description, health: health)
    }
  }

  /// The SSH host keys tailscaled knows, by the peer's Tailscale IPv4.
  ///
  /// Peers without keys are left out. Each key is an `authorized_keys`-style line such as
  /// `ssh-ed25519 AAAA…`; only peers running Tailscale SSH publish them.
  public var sshHostKeysByAddress: [String: [String]] {
    var keys: [String: [String]] = [:]
    for peer in visiblePeers where !peer.sshHostKeys.isEmpty {
      if let address = peer.ipv4 { keys[address] = peer.sshHostKeys }
    }
    return keys
  }
}
