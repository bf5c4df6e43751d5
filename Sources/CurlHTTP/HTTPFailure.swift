/// Why a request got no complete HTTP response (before any wording for people).
public struct HTTPFailure: Error, Sendable, Equatable, CustomStringConvertible {
  /// The kind of failure.
  public enum Kind: Sendable, Equatable {
    /// Nothing at the unix socket path (ENOENT).
    case noSuchSocket
    /// Nobody listens (ECONNREFUSED).
    case connectionRefused
    /// The socket or its directory may not be opened by this user (EACCES/EPERM).
    case permissionDenied
    /// The host name did not resolve.
    case couldNotResolve
    /// No connection within the connect time limit, or no route to the host.
    case couldNotConnect
    /// The server's certificate was not accepted, or the TLS handshake failed.
    case tls
    /// No complete response within the time limit.
    case timedOut
    /// The connection closed before any response arrived.
    case closedWithoutReply
    /// The response started but ended early.
    case truncatedReply
    /// The body exceeded the size limit.
    case replyTooLarge(limit: Int)
    /// The calling task was cancelled.
    case cancelled
    /// Anything else.
    case other
  }

  /// The kind of failure.
  public var kind: Kind
  /// libcurl's explanation.
  public var detail: String

  /// Creates a failure.
  public init(_ kind: Kind, detail: String = "") {
    self.kind = kind
    self.detail = detail
  }

  /// Whether no byte of the request can have reached the server (safe to retry anything).
  public var beforeConnecting: Bool {
    switch kind {
    case .noSuchSocket, .connectionRefused, .permissionDenied, .couldNotResolve, .couldNotConnect:
      return true
    default: return false
    }
  }

  public var description: String {
    switch kind {
    case .noSuchSocket: return "no such socket"
    case .connectionRefused: return "connection refused"
    case .permissionDenied: return "permission denied"
    case .couldNotResolve: return "cannot resolve the host name" + suffix
    case .couldNotConnect: return "cannot connect" + suffix
    case .tls: return "TLS failed" + suffix
    case .timedOut: return "no answer in time"
    case .closedWithoutReply: return "the connection closed without a reply"
    case .truncatedReply: return "the connection closed in the middle of the reply"
    case .replyTooLarge(let limit): return "the reply is larger than \(limit >> 20) MiB"
    case .cancelled: return "cancelled"
    case .other: return detail.isEmpty ? "failed" : detail
    }
  }

  private var suffix: String { detail.isEmpty ? "" : " (\(detail))" }
}
