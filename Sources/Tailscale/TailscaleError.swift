import Basics

/// Why cluster-mgr could not get a usable answer from the local tailscaled, worded for a person.
public enum TailscaleError: OperatorError, Equatable {
  /// Nothing at the socket path: tailscaled is not running or listens elsewhere.
  case noSocket(ResolvedEndpoint)
  /// The socket exists but nobody accepts connections (the daemon died), or the app is closed.
  case connectionRefused(ResolvedEndpoint)
  /// The socket or its directory may not be opened by this user.
  case permissionDenied(ResolvedEndpoint)
  /// tailscaled closed the connection without replying.
  case closedWithoutReply(ResolvedEndpoint)
  /// No complete reply within the time limit (a daemon that is starting blocks requests).
  case timedOut(ResolvedEndpoint, seconds: Double)
  /// 403: tailscaled refused read access.
  case accessDenied(detail: String)
  /// 403 `invalid localapi request`: tailscaled rejected the request itself (a cluster-mgr bug).
  case requestRejected(detail: String)
  /// 401: tailscaled wants authentication (the macOS app's token, or another user is active).
  case authenticationRequired(ResolvedEndpoint, detail: String)
  /// 404: the endpoint does not exist there.
  case endpointMissing(ResolvedEndpoint, path: String, detail: String)
  /// Any other HTTP error status.
  case httpError(status: Int, detail: String)
  /// The reply arrived but is not a readable status (truncated, garbled, wrong shape).
  case unexpectedReply(detail: String)
  /// Another transport failure.
  case transport(ResolvedEndpoint, detail: String)
  /// `NeedsLogin`: logged out, or the node key expired.
  case needsLogin(authURL: String?, keyExpired: Bool)
  /// `NeedsMachineAuth`: an admin has to approve this machine.
  case needsMachineAuth
  /// `Stopped`: `tailscale down`; the peers tailscaled still lists are stale.
  case stopped(stalePeers: Int)
  /// `NoState` or an unknown state: tailscaled is not ready.
  case notReady(state: String, health: [String])
  /// No tailnet node has the name asked for.
  case peerNotFound(name: String, known: [String])
  /// Several tailnet nodes have the name asked for.
  case ambiguousPeer(name: String, matches: [String])

  public var message: String {
    switch self {
    case .noSocket(let endpoint):
      switch endpoint.source {
      case .option:
        return
          "Can't reach tailscaled: there is no socket at \(endpoint.endpoint) (given with --socket)."
      case .environment:
        return "Can't reach tailscaled: there is no socket at \(endpoint.endpoint) "
          + "(from \(EndpointResolver.environmentVariable))."
      case .platformDefault:
        let paths = endpoint.searched.isEmpty ? ["\(endpoint.endpoint)"] : endpoint.searched
        return "Can't reach tailscaled: no socket at \(paths.joined(separator: " or ")). "
          + "Is Tailscale installed and running?"
      }
    case .connectionRefused(let endpoint):
      if case .loopback = endpoint.endpoint {
        return "\(endpoint.endpoint) refused the connection: the app is not running."
      }
      return "tailscaled is not accepting connections on \(endpoint.endpoint) "
        + "(a stale socket: the daemon is not running)."
    case .permissionDenied(let endpoint):
      return "Permission denied opening \(endpoint.endpoint)."
    case .closedWithoutReply(let endpoint):
      return "tailscaled at \(endpoint.endpoint) closed the connection without replying."
    case .timedOut(let endpoint, let seconds):
      return "tailscaled at \(endpoint.endpoint) did not reply within \(Self.format(seconds)) s; "
        + "it may still be starting."
    case .accessDenied(let detail):
      return "tailscaled refused read access: \(detail)."
    case .requestRejected(let detail):
      return "tailscaled rejected cluster-mgr's request (\(detail)); this is a bug in cluster-mgr."
    case .authenticationRequired(let endpoint, let detail):
      return "\(endpoint.endpoint) asked for authentication (401 \(detail))."
    case .endpointMissing(let endpoint, let path, let detail):
      return "\(endpoint.endpoint) does not serve \(path) (404 \(detail))."
    case .httpError(let status, let detail):
      return "tailscaled answered HTTP \(status): \(detail)."
    case .unexpectedReply(let detail):
      return "tailscaled's status reply could not be read: \(detail)."
    case .transport(let endpoint, let detail):
      return "Can't talk to tailscaled at \(endpoint.endpoint): \(detail)."
    case .needsLogin(let authURL, let keyExpired):
      let head =
        keyExpired
        ? "This machine's Tailscale key has expired (NeedsLogin)."
        : "Tailscale is logged out on this machine (NeedsLogin)."
      guard let authURL else { return head }
      return head + "\nLog in at: " + authURL
    case .needsMachineAuth:
      return "This machine is not yet approved by the tailnet admin (NeedsMachineAuth)."
    case .stopped(let stalePeers):
      let peers = stalePeers == 1 ? "1 peer" : "\(stalePeers) peers"
      return "Tailscale is stopped on this machine; the \(peers) tailscaled still lists "
        + "are from before it stopped (stale), so none are shown."
    case .notReady(let state, let health):
      let head = "tailscaled is not ready (state \(state))."
      return health.isEmpty ? head : head + "\n" + health.map { "  " + $0 }.joined(separator: "\n")
    case .peerNotFound(let name, let known):
      let head = "No tailnet node is called \(name)."
      return known.isEmpty ? head : head + " Known: " + known.joined(separator: ", ") + "."
    case .ambiguousPeer(let name, let matches):
      return "\(name) matches several tailnet nodes: \(matches.joined(separator: ", "))."
    }
  }

  public var remedy: String? {
    switch self {
    case .noSocket(let endpoint):
      switch endpoint.source {
      case .option: return "Check the path, or leave out --socket to use the default location."
      case .environment:
        return "Fix or unset \(EndpointResolver.environmentVariable) to use the default location."
      case .platformDefault:
        #if os(macOS)
          return "Start the Tailscale app; if tailscaled listens elsewhere, pass --socket PATH."
        #else
          return "Start it (`sudo systemctl start tailscaled`); if it listens elsewhere "
            + "(`tailscaled --socket=…`, a container's TS_SOCKET), pass --socket PATH."
        #endif
      }
    case .connectionRefused(let endpoint):
      if case .loopback = endpoint.endpoint { return "Start the Tailscale app, then retry." }
      return "Restart it (`sudo systemctl restart tailscaled`), then retry."
    case .permissionDenied(let endpoint):
      return
        "Reading the status needs no root normally: check `ls -l \(endpoint.endpoint)` and its "
        + "directory, or run with sudo (`tailscale set --operator` does not change socket permissions)."
    case .closedWithoutReply:
      return "Check the socket's permissions and the daemon's log (`journalctl -u tailscaled`)."
    case .timedOut:
      return
        "Wait a moment and retry (--timeout waits longer); check `systemctl status tailscaled`."
    case .accessDenied:
      return "Run with sudo, or have an admin run `sudo tailscale set --operator=$USER` once."
    case .requestRejected:
      return "Please report it, with the output of `cluster-mgr version`."
    case .authenticationRequired(let endpoint, _):
      if case .loopback = endpoint.endpoint {
        return "Run cluster-mgr as the user logged in to the Tailscale app (its token under "
          + "/Library/Tailscale must be readable)."
      }
      return "Check that \(endpoint.endpoint) is tailscaled's socket; another user may be using "
        + "Tailscale on this machine."
    case .endpointMissing(let endpoint, _, _):
      return "Check that \(endpoint.endpoint) is tailscaled's socket, and update Tailscale."
    case .httpError:
      return "Check the daemon's log (`journalctl -u tailscaled`) and retry."
    case .unexpectedReply:
      return "Retry; if it persists, compare with `tailscale status --json` and update Tailscale."
    case .transport:
      return "Check that tailscaled runs (`systemctl status tailscaled`) and retry."
    case .needsLogin:
      return "Run `sudo tailscale up` and log in, then retry."
    case .needsMachineAuth:
      return "Approve the machine in the Tailscale admin console (Machines), then retry."
    case .stopped:
      return "Run `sudo tailscale up`, then retry."
    case .notReady:
      return "tailscaled is starting or unhealthy; retry in a moment."
    case .peerNotFound:
      return "Check the name with `cluster-mgr discover`, or give the address explicitly."
    case .ambiguousPeer:
      return "Use the full MagicDNS name, or give the address explicitly."
    }
  }

  public var exitStatus: Int32 {
    switch self {
    case .requestRejected: return ExitStatus.failure
    case .peerNotFound, .ambiguousPeer: return ExitStatus.invalidInput
    default: return ExitStatus.environment
    }
  }

  private static func format(_ seconds: Double) -> String {
    seconds == seconds.rounded() ? String(Int(seconds)) : String(seconds)
  }
}
