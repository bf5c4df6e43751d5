import CurlHTTP
import Foundation

/// A client of one cluster's Kubernetes API over HTTPS (libcurl through CurlHTTP).
///
/// TLS trusts only the cluster's CA and authenticates with the client certificate from the
/// credentials (or a bearer token), all from memory. Requests reuse connections. Idempotent
/// requests are retried with backoff on 429, 5xx and dropped connections; a request that could
/// not connect at all switches, once, to the fallback route when one is given (an SSH tunnel),
/// and every later request goes that way.
public final class KubeClient: Sendable {
  /// The cluster's URL and credentials.
  public let credentials: KubeCredentials
  let routes: RouteSelector
  let kinds = DiscoveryCache()
  /// How long connecting may take before the request counts as unable to connect.
  public let connectTimeout: Duration

  /// Another way to the API after a request could not connect at all (nil: none): the route,
  /// the URL to use on it (its host must be in the server's certificate) and how to name it.
  public typealias Fallback = @Sendable (_ failure: HTTPFailure) async -> KubeRoute?

  /// A client for `credentials`, connecting over `route` (described by `routeDescription` in
  /// messages), switching to `fallback`'s route when the first one cannot connect.
  public init(
    credentials: KubeCredentials, route: HTTPRoute = .network, routeDescription: String? = nil,
    connectTimeout: Duration = .seconds(3), fallback: Fallback? = nil
  ) {
    self.credentials = credentials
    self.connectTimeout = connectTimeout
    let tls = TLSIdentity(
      authorityPEM: credentials.authorityPEM, certificatePEM: credentials.certificatePEM,
      keyPEM: credentials.keyPEM)
    routes = RouteSelector(
      http: HTTPClient(route: route, tls: tls, userAgent: Self.userAgent), tls: tls,
      route: KubeRoute(
        route: route, server: credentials.server,
        description: routeDescription ?? credentials.server), fallback: fallback)
  }

  /// Sent as `User-Agent` (the lab's API stand-in logs it).
  public static let userAgent = "cluster-mgr/kubernetes-client"

  /// How the API is reached now: its URL, or the tunnel in use.
  public var routeDescription: String { get async { await routes.description } }

  /// Requests sent and connections opened so far, over every route used.
  public var statistics: (requests: Int, connections: Int) {
    get async { await routes.statistics }
  }

  /// How a request is retried.
  public enum Retry: Sendable {
    /// Safe to repeat (reads, server-side apply, replace, delete): 429, 5xx, lost connections.
    case idempotent
    /// Repeated only when it cannot have reached the server (creates, evictions).
    case onlyUnsent
  }

  /// Sends one request and returns the 2xx response; a refusal is the API's `Status`.
  public func send(
    _ method: String, _ path: String, query: [(String, String)] = [], body: Data? = nil,
    contentType: String? = nil, timeout: Duration = .seconds(30), retry: Retry = .idempotent
  ) async throws(KubeError) -> HTTPResponse {
    let described = "\(method) \(path)"
    var attempt = 0
    let deadline = ContinuousClock.now + timeout
    while true {
      let (http, server) = await routes.current
      let request = makeRequest(server, method, path, query, body, contentType, timeout)
      let result = await http.send(request)
      var failure: KubeError.Failure
      var wait: Duration?
      switch result {
      case .success(let response) where (200..<300).contains(response.status):
        return response
      case .success(let response):
        let status = KubeStatus(code: response.status, body: response.body)
        failure = .status(status)
        wait = Self.retryAfter(response)
        if !Self.retryable(status: response.status, retry) {
          wait = nil
        } else if wait == nil {
          wait = Self.backoff(attempt)
        }
      case .failure(let transport):
        if transport.beforeConnecting, await routes.switchRoute(after: transport, from: http) {
          continue
        }
        failure = .transport(transport)
        wait = Self.retryable(transport: transport, retry) ? Self.backoff(attempt) : nil
      }
      attempt += 1
      guard let wait, attempt < 4, ContinuousClock.now + wait < deadline, !Task.isCancelled else {
        throw KubeError(failure, request: described, server: await routes.description)
      }
      try? await Task.sleep(for: wait)
    }
  }

  private func makeRequest(
    _ server: String, _ method: String, _ path: String, _ query: [(String, String)],
    _ body: Data?, _ contentType: String?, _ timeout: Duration
  ) -> HTTPRequest {
    var headers: [(name: String, value: String)] = [("Accept", "application/json")]
    if let contentType { headers.append(("Content-Type", contentType)) }
    if let token = credentials.token { headers.append(("Authorization", "Bearer \(token)")) }
    return HTTPRequest(
      method: method, url: server + path + Self.queryString(query), headers: headers,
      body: body, timeout: timeout, connectTimeout: connectTimeout)
  }

  static func queryString(_ query: [(String, String)]) -> String {
    guard !query.isEmpty else { return "" }
    var allowed = CharacterSet.urlQueryAllowed
    allowed.remove(charactersIn: "&=+,;")
    return "?"
      + query.map {
        "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: allowed) ?? $0.1)"
      }.joined(separator: "&")
  }

  static func retryable(status: Int, _ retry: Retry) -> Bool {
    switch retry {
    case .idempotent: return [429, 500, 502, 503, 504].contains(status)
    case .onlyUnsent: return status == 429 || status == 503
    }
  }

  static func retryable(transport: HTTPFailure, _ retry: Retry) -> Bool {
    if transport.beforeConnecting { return transport.kind != .couldNotResolve }
    guard retry == .idempotent else { return false }
    switch transport.kind {
    case .closedWithoutReply, .truncatedReply, .timedOut: return true
    default: return false
    }
  }

  /// 0.25 s, 0.5 s, 1 s… (at most 2 s), with a little jitter.
  static func backoff(_ attempt: Int) -> Duration {
    let base = min(2000, 250 << min(attempt, 4))
    return .milliseconds(base + Int.random(in: 0...(base / 5)))
  }

  /// The server's `Retry-After` (seconds, at most 5).
  static func retryAfter(_ response: HTTPResponse) -> Duration? {
    guard let value = response.headers["retry-after"], let seconds = Int(value) else { return nil }
    return .seconds(min(5, max(0, seconds)))
  }
}

/// How requests reach the API: a route, the URL used on it, and how to say which it is.
public struct KubeRoute: Sendable {
  /// Where connections go.
  public var route: HTTPRoute
  /// The API's URL on that route (`https://127.0.0.1:6443` through a tunnel).
  public var server: String
  /// How messages name it (`https://100.64.0.10:6443`, `… through an SSH tunnel via srv1`).
  public var description: String

  /// Creates a route.
  public init(route: HTTPRoute, server: String, description: String) {
    self.route = route
    self.server = server
    self.description = description
  }
}

/// The route requests take now, and the switch to the fallback (made once, shared by every
/// request in flight).
actor RouteSelector {
  private var http: HTTPClient
  private var route: KubeRoute
  private let tls: TLSIdentity
  private let fallback: KubeClient.Fallback?
  private var switching: Task<(HTTPClient, KubeRoute)?, Never>?
  private var used: [HTTPClient] = []

  init(http: HTTPClient, tls: TLSIdentity, route: KubeRoute, fallback: KubeClient.Fallback?) {
    self.http = http
    self.route = route
    self.tls = tls
    self.fallback = fallback
  }

  /// The client and URL requests use now.
  var current: (HTTPClient, String) { (http, route.server) }

  /// How the API is reached now.
  var description: String { route.description }

  var statistics: (requests: Int, connections: Int) {
    let clients = used + [http]
    return (
      clients.reduce(0) { $0 + $1.statistics.requests },
      clients.reduce(0) { $0 + $1.statistics.connections }
    )
  }

  /// Switches to the fallback route after `failure` on `client`; true when a request should be
  /// sent again (the route changed, now or meanwhile).
  func switchRoute(after failure: HTTPFailure, from client: HTTPClient) async -> Bool {
    if http !== client { return true }
    if let switching { return await switching.value != nil }
    guard let fallback else { return false }
    let tls = tls
    let task = Task { () -> (HTTPClient, KubeRoute)? in
      guard let next = await fallback(failure) else { return nil }
      return (HTTPClient(route: next.route, tls: tls, userAgent: KubeClient.userAgent), next)
    }
    switching = task
    guard let (client, next) = await task.value else { return false }
    used.append(http)
    http = client
    route = next
    return true
  }
}
