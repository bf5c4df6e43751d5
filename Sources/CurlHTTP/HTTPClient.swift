import Basics
import CCurl
import COpenSSL
import Foundation

/// An HTTP client over libcurl: the one HTTP layer of cluster-mgr (tailscaled's LocalAPI, the
/// Kubernetes API, release downloads).
///
/// Every transfer runs `curl_easy_perform` on a thread of its own, never on Swift's cooperative
/// pool. Finished transfers hand their easy handle back to the client, and the next transfer
/// takes it with its open connection (and TLS session): a run of requests to one server opens
/// one connection per request in flight, not one per request. HTTPS offers HTTP/2 (ALPN) and
/// falls back to HTTP/1.1; no proxy is ever used.
public final class HTTPClient: Sendable {
  /// Where connections go.
  public let route: HTTPRoute
  /// The CA, client certificate and key, from memory (nil: system CAs, no client certificate).
  public let tls: TLSIdentity?
  /// Responses larger than this are refused.
  public let maximumBodySize: Int
  /// Sent as `User-Agent`.
  public let userAgent: String
  /// What this client did so far: requests sent, connections opened.
  public let statistics = HTTPStatistics()
  let pool = HandlePool()

  /// A client whose connections go over `route`, with `tls` when the URLs are HTTPS.
  public init(
    route: HTTPRoute = .network, tls: TLSIdentity? = nil, maximumBodySize: Int = 64 << 20,
    userAgent: String = "cluster-mgr"
  ) {
    self.route = route
    self.tls = tls
    self.maximumBodySize = maximumBodySize
    self.userAgent = userAgent
  }

  /// Sends `request` and waits for the whole response (within its time limit).
  public func send(_ request: HTTPRequest) async -> Result<HTTPResponse, HTTPFailure> {
    let cancel = CancelFlag()
    return await withTaskCancellationHandler {
      await BlockingWork.run(name: "cluster-mgr.http") { [self] in
        perform(request, sink: BodySink(limit: maximumBodySize, cancel: cancel, onData: nil))
      }
    } onCancel: {
      cancel.set()
    }
  }

  /// Sends `request` and hands the body to `receive` piece by piece as it arrives, with the
  /// response's status (a watch); `receive` returns false to end the transfer. Returns the
  /// status once the server ends the body, or why it failed (`.cancelled` after `receive`
  /// returned false or the task was cancelled).
  public func stream(
    _ request: HTTPRequest, receive: @escaping @Sendable (_ status: Int, _ data: Data) -> Bool
  ) async -> Result<Int, HTTPFailure> {
    let cancel = CancelFlag()
    return await withTaskCancellationHandler {
      await BlockingWork.run(name: "cluster-mgr.http-stream") { [self] in
        perform(request, sink: BodySink(limit: Int.max, cancel: cancel, onData: receive))
          .map(\.status)
      }
    } onCancel: {
      cancel.set()
    }
  }

  /// One blocking transfer on a pooled handle (runs on the calling thread).
  private func perform(_ request: HTTPRequest, sink: BodySink) -> Result<HTTPResponse, HTTPFailure>
  {
    guard CurlGlobal.ready, let handle = pool.take() else {
      return .failure(HTTPFailure(.other, detail: "libcurl could not be initialised"))
    }
    var transfer = CurlTransfer(handle: handle, route: route, tls: tls, userAgent: userAgent)
    let result = transfer.run(request, sink: sink)
    statistics.record(connections: transfer.connectionsOpened)
    pool.give(handle)
    return result
  }
}

/// Counts what an ``HTTPClient`` did.
public final class HTTPStatistics: @unchecked Sendable {
  private let lock = NSLock()
  private var requestCount = 0
  private var connectionCount = 0

  /// Requests sent so far.
  public var requests: Int { lock.withLock { requestCount } }
  /// Connections opened so far (a reused connection is not counted again).
  public var connections: Int { lock.withLock { connectionCount } }

  func record(connections opened: Int) {
    lock.withLock {
      requestCount += 1
      connectionCount += opened
    }
  }
}

/// libcurl's process-wide initialisation, done once before the first handle; libcrypto is set
/// up first, without its exit-time cleanup (see COpenSSL).
enum CurlGlobal {
  static let ready: Bool =
    copenssl_init_without_atexit_cleanup() == 1
    && curl_global_init(Int(CURL_GLOBAL_DEFAULT)) == CURLE_OK
}

/// Idle easy handles with their connection caches, for the next transfer.
final class HandlePool: @unchecked Sendable {
  private let lock = NSLock()
  private var idle: [UnsafeMutableRawPointer] = []
  /// Idle handles kept at most (more transfers at once than this open extra connections).
  static let capacity = 8

  func take() -> UnsafeMutableRawPointer? {
    if let handle = lock.withLock({ idle.popLast() }) { return handle }
    return curl_easy_init()
  }

  func give(_ handle: UnsafeMutableRawPointer) {
    let kept = lock.withLock { () -> Bool in
      guard idle.count < Self.capacity else { return false }
      idle.append(handle)
      return true
    }
    if !kept { curl_easy_cleanup(handle) }
  }

  deinit {
    for handle in idle { curl_easy_cleanup(handle) }
  }
}

/// A flag set from a task's cancellation handler and read by the transfer's thread.
public final class CancelFlag: @unchecked Sendable {
  private let lock = NSLock()
  private var value = false

  /// A flag not set yet.
  public init() {}

  /// Whether cancellation was requested.
  public var isSet: Bool { lock.withLock { value } }

  /// Requests cancellation.
  public func set() { lock.withLock { value = true } }
}
