/// How a connection authenticated.
public enum SSHAuthentication: Sendable, Hashable, CustomStringConvertible {
  /// The server needed no credentials (Tailscale SSH accepts `none`).
  case none
  /// A key held by ssh-agent (its comment or fingerprint).
  case agent(key: String)
  /// A private key file.
  case keyFile(path: String)

  /// `agent (comment)`, `key ~/.ssh/id_ed25519` or `none (Tailscale SSH)`.
  public var description: String {
    switch self {
    case .none: "none (Tailscale SSH)"
    case .agent(let key): "agent (\(key))"
    case .keyFile(let path): "key \(path)"
    }
  }
}
