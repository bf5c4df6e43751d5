/// Where the local tailscaled answers LocalAPI requests.
public enum LocalAPIEndpoint: Sendable, Hashable, CustomStringConvertible {
  /// A unix socket (Linux, the open-source macOS daemon, `--socket`).
  case unixSocket(path: String)
  /// The macOS Tailscale app's loopback port, protected by a token sent as HTTP Basic auth.
  case loopback(port: Int, token: String)

  /// A short text naming the endpoint for messages; never contains the token.
  public var description: String {
    switch self {
    case .unixSocket(let path): return path
    case .loopback(let port, _): return "the Tailscale app's local API on 127.0.0.1:\(port)"
    }
  }

  /// Where the endpoint came from, so messages can say what to change.
  public enum Source: Sendable, Hashable {
    /// The `--socket` option.
    case option
    /// The `CLUSTER_MGR_TAILSCALE_SOCKET` environment variable.
    case environment
    /// The platform's default location.
    case platformDefault
  }
}

/// An endpoint together with how it was chosen and which other defaults were tried.
public struct ResolvedEndpoint: Sendable, Hashable {
  /// The endpoint requests go to.
  public let endpoint: LocalAPIEndpoint
  /// How it was chosen.
  public let source: LocalAPIEndpoint.Source
  /// Every unix socket path looked at, in order (for "no socket at …" messages).
  public let searched: [String]

  /// Creates a resolved endpoint.
  public init(endpoint: LocalAPIEndpoint, source: LocalAPIEndpoint.Source, searched: [String]) {
    self.endpoint = endpoint
    self.source = source
    self.searched = searched
  }
}
