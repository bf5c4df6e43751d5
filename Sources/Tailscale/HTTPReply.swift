import Foundation

/// A complete HTTP reply from the LocalAPI.
struct HTTPReply: Sendable, Equatable {
  /// The HTTP status code.
  var status: Int
  /// The body, de-chunked.
  var body: Data
}

/// Why a LocalAPI request got no complete HTTP reply (the transport's view, before wording).
enum TransportFailure: Error, Sendable, Equatable {
  /// Nothing at the socket path (ENOENT).
  case noSuchSocket
  /// The socket exists but nobody listens (ECONNREFUSED), or the app's port is closed.
  case connectionRefused
  /// The socket or its directory may not be opened by this user (EACCES/EPERM).
  case permissionDenied
  /// No complete reply within the time limit.
  case timedOut
  /// The connection was closed before any reply arrived.
  case closedWithoutReply
  /// The reply started but ended early (a cut chunked body, a short Content-Length).
  case truncatedReply
  /// The reply body exceeded the size limit.
  case replyTooLarge(limit: Int)
  /// The calling task was cancelled.
  case cancelled
  /// Any other failure, described by libcurl.
  case other(String)
}

/// Sends LocalAPI requests; libcurl in the product, an injected fake in tests.
protocol LocalAPITransport: Sendable {
  /// Sends `GET path` to `endpoint` and waits at most `timeout` for the whole reply.
  func get(_ path: String, endpoint: LocalAPIEndpoint, timeout: Duration) async -> Result<
    HTTPReply, TransportFailure
  >
}
