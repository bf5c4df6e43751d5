import Foundation

/// Chooses the LocalAPI endpoint: `--socket`, then `$CLUSTER_MGR_TAILSCALE_SOCKET`, then the
/// platform defaults (see docs/discovery.md).
public struct EndpointResolver: Sendable {
  /// The environment variable that overrides the default socket (the lab sets it).
  public static let environmentVariable = "CLUSTER_MGR_TAILSCALE_SOCKET"

  /// The unix socket paths tried in order when nothing is configured.
  public var defaultSocketPaths: [String]
  /// Finds the macOS Tailscale app's loopback port and token; nil where there is none.
  public var findAppEndpoint: @Sendable () -> LocalAPIEndpoint?
  /// Whether something exists at a path.
  public var pathExists: @Sendable (String) -> Bool

  /// Creates a resolver with explicit platform behaviour (tests, other platforms).
  public init(
    defaultSocketPaths: [String], findAppEndpoint: @escaping @Sendable () -> LocalAPIEndpoint?,
    pathExists: @escaping @Sendable (String) -> Bool
  ) {
    self.defaultSocketPaths = defaultSocketPaths
    self.findAppEndpoint = findAppEndpoint
    self.pathExists = pathExists
  }

  /// The resolver for the platform this binary was built for.
  public static var platform: EndpointResolver {
    #if os(macOS)
      EndpointResolver(
        defaultSocketPaths: ["/var/run/tailscaled.socket"],
        findAppEndpoint: { MacAppEndpoint.find() },
        pathExists: { FileManager.default.fileExists(atPath: $0) })
    #else
      EndpointResolver(
        defaultSocketPaths: [
          "/var/run/tailscale/tailscaled.sock", "/run/tailscale/tailscaled.sock",
        ],
        findAppEndpoint: { nil },
        pathExists: { FileManager.default.fileExists(atPath: $0) })
    #endif
  }

  /// The endpoint for an explicit `socket` (from `--socket`), else the environment, else defaults.
  public func resolve(socket: String?, environment: [String: String]) -> ResolvedEndpoint {
    if let socket, !socket.isEmpty {
      return ResolvedEndpoint(
        endpoint: .unixSocket(path: socket), source: .option, searched: [socket])
    }
    if let path = environment[Self.environmentVariable], !path.isEmpty {
      return ResolvedEndpoint(
        endpoint: .unixSocket(path: path), source: .environment, searched: [path])
    }
    // Like the tailscale CLI: the macOS app's port wins over the open-source daemon's socket.
    if let app = findAppEndpoint() {
      return ResolvedEndpoint(endpoint: app, source: .platformDefault, searched: [])
    }
    let existing = defaultSocketPaths.first(where: pathExists) ?? defaultSocketPaths.first ?? ""
    return ResolvedEndpoint(
      endpoint: .unixSocket(path: existing), source: .platformDefault, searched: defaultSocketPaths)
  }
}
