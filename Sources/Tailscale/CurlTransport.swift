import CurlHTTP
import Foundation

/// The LocalAPI transport over the CurlHTTP client (libcurl on a thread of its own per request).
struct CurlTransport: LocalAPITransport {
  /// The host part every LocalAPI URL must carry (tailscaled rejects any other Host).
  static let localAPIHost = "local-tailscaled.sock"
  /// The capability version announced in `Tailscale-Cap` (v1.102.3's).
  static let capabilityVersion = "142"
  /// Replies larger than this are refused (a status with thousands of peers is a few MiB).
  static let maximumBodySize = 64 << 20

  func get(_ path: String, endpoint: LocalAPIEndpoint, timeout: Duration) async -> Result<
    HTTPReply, TransportFailure
  > {
    var headers: [(name: String, value: String)] = [
      ("Tailscale-Cap", Self.capabilityVersion)
    ]
    let route: HTTPRoute
    switch endpoint {
    case .unixSocket(let path):
      route = .unixSocket(path: path)
    case .loopback(let port, let token):
      route = .loopback(port: port)
      headers.append(("Authorization", "Basic " + Data(":\(token)".utf8).base64EncodedString()))
    }
    let client = HTTPClient(
      route: route, maximumBodySize: Self.maximumBodySize, userAgent: "cluster-mgr")
    let request = HTTPRequest(
      url: "http://\(Self.localAPIHost)\(path)", headers: headers, timeout: timeout,
      connectTimeout: min(timeout, .seconds(2)))
    switch await client.send(request) {
    case .success(let response):
      return .success(HTTPReply(status: response.status, body: response.body))
    case .failure(let failure):
      return .failure(Self.transportFailure(failure))
    }
  }

  /// The LocalAPI's view of a failed request.
  static func transportFailure(_ failure: HTTPFailure) -> TransportFailure {
    switch failure.kind {
    case .noSuchSocket: return .noSuchSocket
    case .connectionRefused: return .connectionRefused
    case .permissionDenied: return .permissionDenied
    case .timedOut: return .timedOut
    case .couldNotConnect where failure.detail.lowercased().contains("timed out"): return .timedOut
    case .closedWithoutReply: return .closedWithoutReply
    case .truncatedReply: return .truncatedReply
    case .replyTooLarge(let limit): return .replyTooLarge(limit: limit)
    case .cancelled: return .cancelled
    case .couldNotResolve, .couldNotConnect, .tls, .other: return .other(failure.detail)
    }
  }
}
