import Foundation

/// The reply to `GET /localapi/v0/status`, decoded tolerantly (see docs/discovery.md).
public struct TailscaleStatus: Sendable, Hashable, Decodable {
  /// The daemon's version, like `1.102.3-t53a0d659a-g…`.
  public let version: String
  /// Whether the peer list can be trusted; check it before using ``peers``.
  public let backendState: BackendState
  /// The interactive login URL while a login is pending, else nil.
  public let authURL: String?
  /// This machine's Tailscale addresses.
  public let tailscaleIPs: [String]
  /// This machine.
  public let selfNode: TailnetNode?
  /// tailscaled's health warnings (unordered).
  public let health: [String]
  /// The tailnet's name and MagicDNS suffix; nil without a network map.
  public let tailnet: Tailnet?
  /// Every peer tailscaled lists, sorted by DNS label then host name.
  ///
  /// Stale unless ``BackendState/peersAreCurrent``; see ``visiblePeers`` for what the CLI shows.
  public let peers: [TailnetNode]
  /// User profiles by user ID.
  public let users: [Int64: TailnetUser]

  /// The peers the tailscale CLI shows: in the network map, not merely shared in, and not
  /// Mullvad exit nodes that are offered but unused.
  public var visiblePeers: [TailnetNode] {
    peers.filter { peer in
      guard peer.inNetworkMap, !peer.isSharee else { return false }
      let mullvad = peer.dnsName.lowercased().hasSuffix(".mullvad.ts.net.")
      return !(mullvad && peer.offersExitNode && !peer.isExitNode)
    }
  }

  /// The name and MagicDNS settings of the tailnet (`CurrentTailnet`).
  public struct Tailnet: Sendable, Hashable, Decodable {
    /// The tailnet's name (an email for personal tailnets, a domain for organisations).
    public let name: String
    /// The MagicDNS suffix without dots around it, like `tailnet-name.ts.net`.
    public let magicDNSSuffix: String
    /// Whether MagicDNS is on.
    public let magicDNSEnabled: Bool

    enum CodingKeys: String, CodingKey {
      case name = "Name"
      case magicDNSSuffix = "MagicDNSSuffix"
      case magicDNSEnabled = "MagicDNSEnabled"
    }

    public init(from decoder: any Decoder) throws {
      let c = try decoder.container(keyedBy: CodingKeys.self)
      name = try c.value(.name, or: "")
      magicDNSSuffix = try c.value(.magicDNSSuffix, or: "")
      magicDNSEnabled = try c.value(.magicDNSEnabled, or: false)
    }
  }

  enum CodingKeys: String, CodingKey {
    case version = "Version"
    case backendState = "BackendState"
    case authURL = "AuthURL"
    case tailscaleIPs = "TailscaleIPs"
    case selfNode = "Self"
    case health = "Health"
    case tailnet = "CurrentTailnet"
    case peer = "Peer"
    case user = "User"
  }

  public init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    version = try c.value(.version, or: "")
    backendState = BackendState(rawValue: try c.value(.backendState, or: ""))
    let url = try c.value(.authURL, or: "")
    authURL = url.isEmpty ? nil : url
    tailscaleIPs = try c.list(.tailscaleIPs)
    selfNode = try c.decodeIfPresent(TailnetNode.self, forKey: .selfNode)
    health = try c.list(.health)
    tailnet = try c.decodeIfPresent(Tailnet.self, forKey: .tailnet)
    let peerMap = try c.map(.peer, of: TailnetNode.self)
    peers = peerMap.values.sorted(by: TailscaleStatus.displayOrder)
    let userMap = try c.map(.user, of: TailnetUser.self)
    var users: [Int64: TailnetUser] = [:]
    for (key, user) in userMap {
      if let id = user.id ?? Int64(key) { users[id] = user }
    }
    self.users = users
  }

  /// The tailscale CLI's order: DNS label, then host name, then stable ID.
  static func displayOrder(_ a: TailnetNode, _ b: TailnetNode) -> Bool {
    let keyA = (a.dnsLabel.lowercased(), a.hostName.lowercased(), a.id)
    let keyB = (b.dnsLabel.lowercased(), b.hostName.lowercased(), b.id)
    return keyA < keyB
  }
}

/// A tailnet user profile (`User[...]`).
public struct TailnetUser: Sendable, Hashable, Decodable {
  /// The user ID.
  public let id: Int64?
  /// The login, like `alice@example.com`; `tagged-devices` owns tagged nodes.
  public let loginName: String
  /// The display name.
  public let displayName: String

  enum CodingKeys: String, CodingKey {
    case id = "ID"
    case loginName = "LoginName"
    case displayName = "DisplayName"
  }

  public init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    let id = try c.value(.id, or: Int64(0))
    self.id = id == 0 ? nil : id
    loginName = try c.value(.loginName, or: "")
    displayName = try c.value(.displayName, or: "")
  }
}

extension TailscaleStatus {
  /// Decodes a status reply body; a reply that is not a status object is an error.
  public static func decode(_ body: Data) throws(TailscaleError) -> TailscaleStatus {
    do {
      return try JSONDecoder().decode(TailscaleStatus.self, from: body)
    } catch let error as DecodingError {
      throw .unexpectedReply(detail: describe(error, bodySize: body.count))
    } catch {
      throw .unexpectedReply(detail: "\(error)")
    }
  }

  private static func describe(_ error: DecodingError, bodySize: Int) -> String {
    func path(_ codingPath: [any CodingKey]) -> String {
      codingPath.isEmpty
        ? "the top level"
        : codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }
          .joined(separator: ".")
    }
    switch error {
    case .dataCorrupted(let context) where context.codingPath.isEmpty:
      return "the \(bodySize)-byte reply is not valid JSON (truncated or garbled)"
    case .dataCorrupted(let context):
      return "bad value at \(path(context.codingPath)): \(context.debugDescription)"
    case .typeMismatch(let type, let context):
      return "expected \(type) at \(path(context.codingPath))"
    case .valueNotFound(let type, let context):
      return "missing \(type) at \(path(context.codingPath))"
    case .keyNotFound(let key, let context):
      return "missing \(key.stringValue) at \(path(context.codingPath))"
    @unknown default:
      return "\(error)"
    }
  }
}
