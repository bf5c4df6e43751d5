import Foundation

/// One HTTP request: method, URL, headers and body, with its time limits.
public struct HTTPRequest: Sendable {
  /// `GET`, `POST`, `PATCH`, …
  public var method: String
  /// The absolute URL (`https://100.64.0.10:6443/api/v1/nodes`).
  public var url: String
  /// Request headers, in order.
  public var headers: [(name: String, value: String)]
  /// The body (nil: none).
  public var body: Data?
  /// The longest the whole exchange may take (nil: no limit, for streams that end themselves).
  public var timeout: Duration?
  /// The longest connecting (TCP and TLS) may take.
  public var connectTimeout: Duration

  /// Creates a request.
  public init(
    method: String = "GET", url: String, headers: [(name: String, value: String)] = [],
    body: Data? = nil, timeout: Duration? = .seconds(30), connectTimeout: Duration = .seconds(5)
  ) {
    self.method = method
    self.url = url
    self.headers = headers
    self.body = body
    self.timeout = timeout
    self.connectTimeout = connectTimeout
  }
}

/// A complete HTTP response.
public struct HTTPResponse: Sendable, Equatable {
  /// The status code.
  public var status: Int
  /// Response headers, names in lower case (the last value of a repeated header).
  public var headers: [String: String]
  /// The body, de-chunked.
  public var body: Data

  /// Creates a response.
  public init(status: Int, headers: [String: String] = [:], body: Data) {
    self.status = status
    self.headers = headers
    self.body = body
  }
}

/// Where a client's connections go, whatever host the URL names (the URL's host still decides
/// the `Host` header, SNI and the name the server's certificate must carry).
public enum HTTPRoute: Sendable, Hashable, CustomStringConvertible {
  /// Wherever the URL's host resolves to.
  case network
  /// A unix socket (tailscaled's LocalAPI; an SSH tunnel's private socket).
  case unixSocket(path: String)
  /// A TCP port on this machine (the macOS Tailscale app's LocalAPI).
  case loopback(port: Int)

  /// A short text for messages.
  public var description: String {
    switch self {
    case .network: return "the network"
    case .unixSocket(let path): return path
    case .loopback(let port): return "127.0.0.1:\(port)"
    }
  }
}

/// TLS settings from memory: the CA to verify the server with, and a client certificate and its
/// key. Nothing is written to disk; libcurl keeps its own copies while a request runs.
public struct TLSIdentity: Sendable, Hashable {
  /// PEM certificates of the CAs the server's certificate must chain to (nil: the system's).
  public var authorityPEM: Data?
  /// PEM client certificate (and chain), when the server wants one.
  public var certificatePEM: Data?
  /// PEM private key of the client certificate.
  public var keyPEM: Data?

  /// Creates TLS settings.
  public init(authorityPEM: Data? = nil, certificatePEM: Data? = nil, keyPEM: Data? = nil) {
    self.authorityPEM = authorityPEM
    self.certificatePEM = certificatePEM
    self.keyPEM = keyPEM
  }
}
