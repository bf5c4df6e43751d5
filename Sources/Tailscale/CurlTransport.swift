import CCurl
import Foundation

/// The LocalAPI transport over libcurl.
///
/// Each request runs `curl_easy_perform` on its own thread, never on Swift's cooperative pool,
/// and finishes within its timeout.
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
    let request = CurlRequest(path: path, endpoint: endpoint, timeout: timeout)
    let cancel = CancelFlag()
    return await withTaskCancellationHandler {
      await withCheckedContinuation { continuation in
        let thread = Thread { continuation.resume(returning: request.perform(cancel: cancel)) }
        thread.name = "cluster-mgr.localapi"
        thread.start()
      }
    } onCancel: {
      cancel.set()
    }
  }
}

/// One blocking libcurl request, run on a dedicated thread.
struct CurlRequest: Sendable {
  let path: String
  let endpoint: LocalAPIEndpoint
  let timeout: Duration

  /// libcurl's process-wide initialisation, done once before the first handle.
  private static let globalInit: CURLcode = curl_global_init(Int(CURL_GLOBAL_DEFAULT))

  func perform(cancel: CancelFlag) -> Result<HTTPReply, TransportFailure> {
    guard Self.globalInit == CURLE_OK, let handle = curl_easy_init() else {
      return .failure(.other("libcurl could not be initialised"))
    }
    let sink = ResponseSink(limit: CurlTransport.maximumBodySize, cancel: cancel)
    let sinkPointer = Unmanaged.passRetained(sink)
    let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
    errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
    var headers: UnsafeMutablePointer<curl_slist>? = nil
    var connectTo: UnsafeMutablePointer<curl_slist>? = nil
    defer {
      curl_easy_cleanup(handle)
      curl_slist_free_all(headers)
      curl_slist_free_all(connectTo)
      errorBuffer.deallocate()
      sinkPointer.release()
    }

    let milliseconds = max(
      1,
      Int(timeout.components.seconds * 1000)
        + Int(timeout.components.attoseconds / 1_000_000_000_000_000))
    headers = curl_slist_append(headers, "Tailscale-Cap: \(CurlTransport.capabilityVersion)")
    _ = CCurl_setopt_string(handle, CURLOPT_URL, "http://\(CurlTransport.localAPIHost)\(path)")
    _ = CCurl_setopt_slist(handle, CURLOPT_HTTPHEADER, headers)
    // No proxy may ever see LocalAPI traffic, whatever http_proxy says.
    _ = CCurl_setopt_string(handle, CURLOPT_PROXY, "")
    _ = CCurl_setopt_long(handle, CURLOPT_NOSIGNAL, 1)
    _ = CCurl_setopt_long(handle, CURLOPT_FOLLOWLOCATION, 0)
    _ = CCurl_setopt_long(handle, CURLOPT_TIMEOUT_MS, milliseconds)
    _ = CCurl_setopt_long(handle, CURLOPT_CONNECTTIMEOUT_MS, min(milliseconds, 2000))
    _ = CCurl_setopt_pointer(handle, CURLOPT_ERRORBUFFER, errorBuffer)
    switch endpoint {
    case .unixSocket(let socketPath):
      if socketPath.utf8.count > 107 {
        return .failure(
          .other(
            "the socket path is \(socketPath.utf8.count) bytes; a unix socket path has at most 107")
        )
      }
      _ = CCurl_setopt_string(handle, CURLOPT_UNIX_SOCKET_PATH, socketPath)
    case .loopback(let port, let token):
      connectTo = curl_slist_append(connectTo, "\(CurlTransport.localAPIHost):80:127.0.0.1:\(port)")
      _ = CCurl_setopt_slist(handle, CURLOPT_CONNECT_TO, connectTo)
      // Basic is libcurl's default scheme (CURLAUTH_BASIC's cast macro does not import).
      _ = CCurl_setopt_string(handle, CURLOPT_USERPWD, ":" + token)
    }
    let context = sinkPointer.toOpaque()
    _ = CCurl_setopt_write_callback(handle, CURLOPT_WRITEFUNCTION) { data, size, count, context in
      guard let data, let context else { return 0 }
      let sink = Unmanaged<ResponseSink>.fromOpaque(context).takeUnretainedValue()
      let bytes = size * count
      return sink.append(UnsafeRawBufferPointer(start: data, count: bytes)) ? bytes : 0
    }
    _ = CCurl_setopt_pointer(handle, CURLOPT_WRITEDATA, context)
    _ = CCurl_setopt_xferinfo_callback(handle) { context, _, _, _, _ in
      guard let context else { return 0 }
      return Unmanaged<ResponseSink>.fromOpaque(context).takeUnretainedValue().cancel.isSet ? 1 : 0
    }
    _ = CCurl_setopt_pointer(handle, CURLOPT_XFERINFODATA, context)
    _ = CCurl_setopt_long(handle, CURLOPT_NOPROGRESS, 0)

    let code = curl_easy_perform(handle)
    if code == CURLE_OK {
      var status = 0
      _ = CCurl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
      return .success(HTTPReply(status: status, body: sink.data))
    }
    var osErrno = 0
    _ = CCurl_getinfo_long(handle, CURLINFO_OS_ERRNO, &osErrno)
    let detail = String(cString: errorBuffer)
    return .failure(
      Self.failure(
        code: code, osErrno: Int32(truncatingIfNeeded: osErrno), received: sink.received,
        overflowed: sink.overflowed,
        detail: detail.isEmpty ? String(cString: curl_easy_strerror(code)) : detail))
  }

  /// Maps a libcurl result and the OS errno to a ``TransportFailure``.
  static func failure(
    code: CURLcode, osErrno: Int32, received: Int, overflowed: Bool, detail: String
  ) -> TransportFailure {
    switch code {
    case CURLE_COULDNT_CONNECT:
      switch osErrno {
      case ENOENT: return .noSuchSocket
      case ECONNREFUSED, ENOTSOCK: return .connectionRefused
      case EACCES, EPERM: return .permissionDenied
      default: return .other(detail)
      }
    case CURLE_OPERATION_TIMEDOUT: return .timedOut
    case CURLE_GOT_NOTHING: return .closedWithoutReply
    case CURLE_RECV_ERROR: return received == 0 ? .closedWithoutReply : .truncatedReply
    case CURLE_PARTIAL_FILE: return .truncatedReply
    case CURLE_WRITE_ERROR where overflowed:
      return .replyTooLarge(limit: CurlTransport.maximumBodySize)
    case CURLE_ABORTED_BY_CALLBACK: return .cancelled
    default: return .other(detail)
    }
  }
}

/// Collects the body libcurl hands to the write callback.
final class ResponseSink: @unchecked Sendable {
  // Only the request's own thread touches `data` while curl_easy_perform runs.
  private(set) var data = Data()
  private(set) var overflowed = false
  let limit: Int
  let cancel: CancelFlag

  init(limit: Int, cancel: CancelFlag) {
    self.limit = limit
    self.cancel = cancel
  }

  var received: Int { data.count }

  /// Appends a piece of the body; false (abort the transfer) past the limit or when cancelled.
  func append(_ bytes: UnsafeRawBufferPointer) -> Bool {
    if cancel.isSet { return false }
    guard data.count + bytes.count <= limit else {
      overflowed = true
      return false
    }
    data.append(contentsOf: bytes)
    return true
  }
}

/// A flag set from a task's cancellation handler and read by the request thread.
final class CancelFlag: @unchecked Sendable {
  private let lock = NSLock()
  private var value = false

  /// Whether cancellation was requested.
  var isSet: Bool { lock.withLock { value } }

  /// Requests cancellation.
  func set() { lock.withLock { value = true } }
}
