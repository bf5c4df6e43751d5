import Foundation

@testable import Tailscale

/// A transport that plays back canned results, for failures a root test run cannot cause
/// (EACCES) and for HTTP replies of every kind.
final class ScriptedTransport: LocalAPITransport, @unchecked Sendable {
  private let lock = NSLock()
  private var script: [Result<HTTPReply, TransportFailure>]
  private var requested: [String] = []

  init(_ script: [Result<HTTPReply, TransportFailure>]) { self.script = script }

  /// The paths requested so far.
  var paths: [String] { lock.withLock { requested } }

  func get(_ path: String, endpoint: LocalAPIEndpoint, timeout: Duration) async -> Result<
    HTTPReply, TransportFailure
  > {
    lock.withLock {
      requested.append(path)
      return script.count > 1 ? script.removeFirst() : script[0]
    }
  }

  /// A client for a unix socket at `path` that uses this transport.
  func client(
    path: String = "/run/test/tailscaled.sock", source: LocalAPIEndpoint.Source = .option,
    grace: Duration = .zero
  ) -> LocalAPIClient {
    LocalAPIClient(
      endpoint: ResolvedEndpoint(
        endpoint: .unixSocket(path: path), source: source, searched: [path]),
      timeout: .seconds(3), startupGrace: grace, transport: self)
  }
}

extension HTTPReply {
  /// A reply with a text body.
  static func text(_ status: Int, _ body: String) -> HTTPReply {
    HTTPReply(status: status, body: Data(body.utf8))
  }
}
