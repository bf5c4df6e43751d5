import Basics
import Foundation

/// A client for the local tailscaled's LocalAPI (read-only: it never changes tailscaled).
public struct LocalAPIClient: Sendable {
  /// Where requests go and how that was chosen.
  public let endpoint: ResolvedEndpoint
  /// The longest a request may take (tailscaled blocks requests while its backend starts).
  public let timeout: Duration
  /// How long to keep retrying a missing or refusing socket (tailscaled may be starting).
  public let startupGrace: Duration
  let transport: any LocalAPITransport

  /// The default request timeout.
  public static let defaultTimeout: Duration = .seconds(10)
  /// The default retry window for a socket that is missing or refuses (like the tailscale CLI).
  public static let defaultStartupGrace: Duration = .seconds(2)

  /// A client for `endpoint`.
  public init(
    endpoint: ResolvedEndpoint, timeout: Duration = defaultTimeout,
    startupGrace: Duration = defaultStartupGrace
  ) {
    self.init(
      endpoint: endpoint, timeout: timeout, startupGrace: startupGrace, transport: CurlTransport())
  }

  init(
    endpoint: ResolvedEndpoint, timeout: Duration, startupGrace: Duration,
    transport: any LocalAPITransport
  ) {
    self.endpoint = endpoint
    self.timeout = timeout
    self.startupGrace = startupGrace
    self.transport = transport
  }

  /// A client for `--socket` if given, else `$CLUSTER_MGR_TAILSCALE_SOCKET`, else the platform's
  /// default location.
  public static func locate(
    socket: String? = nil,
    environment: [String: String] = ProcessInfo.processInfo.environment,
    timeout: Duration = defaultTimeout, startupGrace: Duration = defaultStartupGrace
  ) -> LocalAPIClient {
    LocalAPIClient(
      endpoint: EndpointResolver.platform.resolve(socket: socket, environment: environment),
      timeout: timeout, startupGrace: startupGrace)
  }

  /// tailscaled's status in whatever state it is in; check ``TailscaleStatus/backendState``
  /// (or use ``runningStatus(peers:)``) before trusting the peers.
  public func status(peers: Bool = true) async throws(TailscaleError) -> TailscaleStatus {
    let path = "/localapi/v0/status" + (peers ? "" : "?peers=false")
    let reply = try await get(path)
    return try TailscaleStatus.decode(reply)
  }

  /// tailscaled's status when its peer list is current (`Running` or `Starting`); otherwise the
  /// error that says what to do (logged out, stopped, awaiting approval, starting).
  public func runningStatus(peers: Bool = true) async throws(TailscaleError) -> TailscaleStatus {
    let status = try await status(peers: peers)
    try status.requireCurrentPeers()
    return status
  }

  /// The peer called `name`, from a running tailscaled (see ``TailscaleStatus/peer(named:)``).
  public func peer(named name: String) async throws(TailscaleError) -> TailnetNode {
    try await runningStatus().peer(named: name)
  }

  /// `GET path` with the startup retry and error mapping; the body of a 200 reply.
  func get(_ path: String) async throws(TailscaleError) -> Data {
    let clock = ContinuousClock()
    let giveUp = clock.now.advanced(by: startupGrace)
    while true {
      switch await transport.get(path, endpoint: endpoint.endpoint, timeout: timeout) {
      case .success(let reply):
        return try check(reply, path: path)
      case .failure(let failure):
        let retryable = failure == .noSuchSocket || failure == .connectionRefused
        if retryable, clock.now < giveUp, !Task.isCancelled {
          try? await Task.sleep(for: .milliseconds(250))
          continue
        }
        throw error(for: failure)
      }
    }
  }

  private func check(_ reply: HTTPReply, path: String) throws(TailscaleError) -> Data {
    let detail = Self.errorDetail(reply.body)
    switch reply.status {
    case 200: return reply.body
    case 403 where detail == "invalid localapi request": throw .requestRejected(detail: detail)
    case 403: throw .accessDenied(detail: detail)
    case 401: throw .authenticationRequired(endpoint, detail: detail)
    case 404: throw .endpointMissing(endpoint, path: path, detail: detail)
    case 503 where detail == "no backend":
      throw .notReady(state: "no backend", health: [])
    default: throw .httpError(status: reply.status, detail: detail)
    }
  }

  private func error(for failure: TransportFailure) -> TailscaleError {
    switch failure {
    case .noSuchSocket: return .noSocket(endpoint)
    case .connectionRefused: return .connectionRefused(endpoint)
    case .permissionDenied: return .permissionDenied(endpoint)
    case .timedOut:
      return .timedOut(endpoint, seconds: timeout.inSeconds)
    case .closedWithoutReply: return .closedWithoutReply(endpoint)
    case .truncatedReply:
      return .unexpectedReply(detail: "the connection closed in the middle of the reply")
    case .replyTooLarge(let limit):
      return .unexpectedReply(detail: "the reply is larger than \(limit >> 20) MiB")
    case .cancelled: return .transport(endpoint, detail: "cancelled")
    case .other(let detail): return .transport(endpoint, detail: detail)
    }
  }

  /// The text of an error body: its JSON `error`/`Error` field, else the trimmed text, shortened.
  static func errorDetail(_ body: Data) -> String {
    var text = String(decoding: body, as: UTF8.self)
    if let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any],
      let message = (object["error"] ?? object["Error"]) as? String
    {
      text = message
    }
    text = text.trimmingCharacters(in: .whitespacesAndNewlines)
    text = String(
      text.unicodeScalars.map { $0.properties.generalCategory == .control ? " " : Character($0) })
    return text.count > 300 ? String(text.prefix(300)) + "…" : text
  }
}
