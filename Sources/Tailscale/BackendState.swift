/// tailscaled's `BackendState`: whether its peer list can be trusted.
public enum BackendState: Sendable, Hashable, CustomStringConvertible {
  /// Start-up, or an unhealthy state store; nothing is known yet.
  case noState
  /// Logged out, never logged in, or the node key expired (a kept peer list is stale).
  case needsLogin
  /// Waiting for an admin to approve this device.
  case needsMachineAuth
  /// `tailscale down`: the peer list is kept but stale (peers may still say online).
  case stopped
  /// Connecting: the network map is there but possibly stale.
  case starting
  /// Connected: the peer list is current.
  case running
  /// A state this version of cluster-mgr does not know.
  case other(String)

  /// The state for tailscaled's JSON spelling.
  public init(rawValue: String) {
    switch rawValue {
    case "NoState", "": self = .noState
    case "NeedsLogin": self = .needsLogin
    case "NeedsMachineAuth": self = .needsMachineAuth
    case "Stopped": self = .stopped
    case "Starting": self = .starting
    case "Running": self = .running
    default: self = .other(rawValue)
    }
  }

  /// tailscaled's spelling, like `NeedsLogin`.
  public var description: String {
    switch self {
    case .noState: return "NoState"
    case .needsLogin: return "NeedsLogin"
    case .needsMachineAuth: return "NeedsMachineAuth"
    case .stopped: return "Stopped"
    case .starting: return "Starting"
    case .running: return "Running"
    case .other(let raw): return raw
    }
  }

  /// Whether peers' data (online state, addresses) reflects the present.
  public var peersAreCurrent: Bool { self == .running || self == .starting }
}
