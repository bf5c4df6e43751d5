import CCurl
import Foundation

/// One transfer on one easy handle: options set from the request, `curl_easy_perform`, the
/// outcome mapped to an ``HTTPResponse`` or an ``HTTPFailure``. Runs on the caller's thread.
struct CurlTransfer {
  let handle: UnsafeMutableRawPointer
  let route: HTTPRoute
  let tls: TLSIdentity?
  let userAgent: String
  /// New connections this transfer opened (0 when it reused one).
  private(set) var connectionsOpened = 0

  init(handle: UnsafeMutableRawPointer, route: HTTPRoute, tls: TLSIdentity?, userAgent: String) {
    self.handle = handle
    self.route = route
    self.tls = tls
    self.userAgent = userAgent
  }

  mutating func run(_ request: HTTPRequest, sink: BodySink) -> Result<HTTPResponse, HTTPFailure> {
    // Options go back to their defaults; open connections and TLS sessions stay.
    curl_easy_reset(handle)
    let sinkPointer = Unmanaged.passRetained(sink)
    let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
    errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
    var headers: UnsafeMutablePointer<curl_slist>? = nil
    var connectTo: UnsafeMutablePointer<curl_slist>? = nil
    defer {
      // Nothing may point at freed memory once the handle goes back to the pool.
      curl_easy_reset(handle)
      curl_slist_free_all(headers)
      curl_slist_free_all(connectTo)
      errorBuffer.deallocate()
      sinkPointer.release()
    }
    for header in request.headers {
      headers = curl_slist_append(headers, "\(header.name): \(header.value)")
    }
    // No `Expect: 100-continue` round trip before a body.
    headers = curl_slist_append(headers, "Expect:")
    if case .loopback(let port) = route {
      connectTo = curl_slist_append(connectTo, "::127.0.0.1:\(port)")
    }
    if let failure = configure(
      request, headers: headers, connectTo: connectTo, errorBuffer: errorBuffer)
    {
      return .failure(failure)
    }
    install(sink: sinkPointer.toOpaque())

    let code = curl_easy_perform(handle)
    var connects = 0
    _ = CCurl_getinfo_long(handle, CURLINFO_NUM_CONNECTS, &connects)
    connectionsOpened = connects
    if code == CURLE_OK {
      var status = 0
      _ = CCurl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
      return .success(HTTPResponse(status: status, headers: sink.headers, body: sink.data))
    }
    var osErrno = 0
    _ = CCurl_getinfo_long(handle, CURLINFO_OS_ERRNO, &osErrno)
    var detail = String(cString: errorBuffer)
    if detail.isEmpty { detail = String(cString: curl_easy_strerror(code)) }
    return .failure(
      Self.failure(
        code: code, osErrno: Int32(truncatingIfNeeded: osErrno), sink: sink,
        connected: connects > 0
          || sink.received > 0, detail: detail))
  }

  /// Sets every option of the request; a failure when the request cannot be expressed.
  private func configure(
    _ request: HTTPRequest, headers: UnsafeMutablePointer<curl_slist>?,
    connectTo: UnsafeMutablePointer<curl_slist>?, errorBuffer: UnsafeMutablePointer<CChar>
  ) -> HTTPFailure? {
    _ = CCurl_setopt_string(handle, CURLOPT_URL, request.url)
    _ = CCurl_setopt_slist(handle, CURLOPT_HTTPHEADER, headers)
    _ = CCurl_setopt_string(handle, CURLOPT_USERAGENT, userAgent)
    // No proxy may ever see this traffic, whatever https_proxy says.
    _ = CCurl_setopt_string(handle, CURLOPT_PROXY, "")
    _ = CCurl_setopt_long(handle, CURLOPT_NOSIGNAL, 1)
    _ = CCurl_setopt_long(handle, CURLOPT_FOLLOWLOCATION, 0)
    _ = CCurl_setopt_long(handle, CURLOPT_TCP_KEEPALIVE, 1)
    _ = CCurl_setopt_long(handle, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_2TLS)
    _ = CCurl_setopt_long(handle, CURLOPT_TIMEOUT_MS, request.timeout.map(Self.milliseconds) ?? 0)
    _ = CCurl_setopt_long(
      handle, CURLOPT_CONNECTTIMEOUT_MS, Self.milliseconds(request.connectTimeout))
    _ = CCurl_setopt_pointer(handle, CURLOPT_ERRORBUFFER, errorBuffer)
    setMethod(request)
    switch route {
    case .network: break
    case .unixSocket(let path):
      guard path.utf8.count <= 107 else {
        return HTTPFailure(
          .other,
          detail: "the socket path is \(path.utf8.count) bytes; a unix socket path has at most 107")
      }
      _ = CCurl_setopt_string(handle, CURLOPT_UNIX_SOCKET_PATH, path)
    case .loopback:
      _ = CCurl_setopt_slist(handle, CURLOPT_CONNECT_TO, connectTo)
    }
    if let tls { configure(tls) }
    return nil
  }

  private func setMethod(_ request: HTTPRequest) {
    if let body = request.body {
      _ = CCurl_setopt_long(handle, CURLOPT_POST, 1)
      _ = CCurl_setopt_offset(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(body.count))
      body.withUnsafeBytes { bytes in
        _ = CCurl_setopt_pointer(
          handle, CURLOPT_COPYPOSTFIELDS,
          UnsafeMutableRawPointer(mutating: bytes.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!))
      }
      if request.method != "POST" {
        _ = CCurl_setopt_string(handle, CURLOPT_CUSTOMREQUEST, request.method)
      }
    } else if request.method == "HEAD" {
      _ = CCurl_setopt_long(handle, CURLOPT_NOBODY, 1)
    } else if request.method != "GET" {
      _ = CCurl_setopt_string(handle, CURLOPT_CUSTOMREQUEST, request.method)
    }
  }

  /// The CA (the only one trusted), the client certificate and key, all from memory.
  private func configure(_ tls: TLSIdentity) {
    if let authority = tls.authorityPEM {
      // Only this CA: not the system's bundle as well.
      _ = CCurl_setopt_pointer(handle, CURLOPT_CAINFO, nil)
      _ = CCurl_setopt_pointer(handle, CURLOPT_CAPATH, nil)
      authority.withUnsafeBytes {
        _ = CCurl_setopt_blob(handle, CURLOPT_CAINFO_BLOB, $0.baseAddress, $0.count)
      }
    }
    if let certificate = tls.certificatePEM, let key = tls.keyPEM {
      _ = CCurl_setopt_string(handle, CURLOPT_SSLCERTTYPE, "PEM")
      _ = CCurl_setopt_string(handle, CURLOPT_SSLKEYTYPE, "PEM")
      certificate.withUnsafeBytes {
        _ = CCurl_setopt_blob(handle, CURLOPT_SSLCERT_BLOB, $0.baseAddress, $0.count)
      }
      key.withUnsafeBytes {
        _ = CCurl_setopt_blob(handle, CURLOPT_SSLKEY_BLOB, $0.baseAddress, $0.count)
      }
    }
  }

  /// The write, header and progress callbacks, all reading `sink`.
  private func install(sink context: UnsafeMutableRawPointer) {
    _ = CCurl_setopt_write_callback(handle, CURLOPT_WRITEFUNCTION) { data, size, count, context in
      guard let data, let context else { return 0 }
      let sink = Unmanaged<BodySink>.fromOpaque(context).takeUnretainedValue()
      let bytes = size * count
      return sink.append(UnsafeRawBufferPointer(start: data, count: bytes)) ? bytes : 0
    }
    _ = CCurl_setopt_pointer(handle, CURLOPT_WRITEDATA, context)
    _ = CCurl_setopt_write_callback(handle, CURLOPT_HEADERFUNCTION) { data, size, count, context in
      guard let data, let context else { return 0 }
      let sink = Unmanaged<BodySink>.fromOpaque(context).takeUnretainedValue()
      let bytes = size * count
      sink.header(UnsafeRawBufferPointer(start: data, count: bytes))
      return bytes
    }
    _ = CCurl_setopt_pointer(handle, CURLOPT_HEADERDATA, context)
    _ = CCurl_setopt_xferinfo_callback(handle) { context, _, _, _, _ in
      guard let context else { return 0 }
      return Unmanaged<BodySink>.fromOpaque(context).takeUnretainedValue().cancel.isSet ? 1 : 0
    }
    _ = CCurl_setopt_pointer(handle, CURLOPT_XFERINFODATA, context)
    _ = CCurl_setopt_long(handle, CURLOPT_NOPROGRESS, 0)
  }

  /// Maps a libcurl result and the OS errno to an ``HTTPFailure``.
  static func failure(
    code: CURLcode, osErrno: Int32, sink: BodySink, connected: Bool, detail: String
  ) -> HTTPFailure {
    switch code {
    case CURLE_COULDNT_CONNECT:
      switch osErrno {
      case ENOENT: return HTTPFailure(.noSuchSocket, detail: detail)
      case ECONNREFUSED, ENOTSOCK: return HTTPFailure(.connectionRefused, detail: detail)
      case EACCES, EPERM: return HTTPFailure(.permissionDenied, detail: detail)
      default: return HTTPFailure(.couldNotConnect, detail: detail)
      }
    case CURLE_COULDNT_RESOLVE_HOST: return HTTPFailure(.couldNotResolve, detail: detail)
    case CURLE_OPERATION_TIMEDOUT:
      return HTTPFailure(connected ? .timedOut : .couldNotConnect, detail: detail)
    case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CERTPROBLEM,
      CURLE_SSL_CACERT_BADFILE, CURLE_SSL_CIPHER, CURLE_SSL_ENGINE_NOTFOUND:
      return HTTPFailure(.tls, detail: detail)
    case CURLE_GOT_NOTHING: return HTTPFailure(.closedWithoutReply, detail: detail)
    case CURLE_RECV_ERROR, CURLE_SEND_ERROR:
      return HTTPFailure(sink.received == 0 ? .closedWithoutReply : .truncatedReply, detail: detail)
    case CURLE_PARTIAL_FILE: return HTTPFailure(.truncatedReply, detail: detail)
    case CURLE_WRITE_ERROR where sink.overflowed:
      return HTTPFailure(.replyTooLarge(limit: sink.limit), detail: detail)
    case CURLE_WRITE_ERROR where sink.stopped, CURLE_ABORTED_BY_CALLBACK:
      return HTTPFailure(.cancelled, detail: detail)
    default: return HTTPFailure(.other, detail: detail)
    }
  }

  static func milliseconds(_ duration: Duration) -> Int {
    let parts = duration.components
    return max(1, Int(parts.seconds * 1000) + Int(parts.attoseconds / 1_000_000_000_000_000))
  }
}

/// Collects the headers and body libcurl hands to the callbacks (or passes the body on).
final class BodySink: @unchecked Sendable {
  // Only the transfer's own thread touches these while curl_easy_perform runs.
  private(set) var data = Data()
  private(set) var headers: [String: String] = [:]
  private(set) var received = 0
  private(set) var overflowed = false
  /// The receiver asked to stop (or the task was cancelled).
  private(set) var stopped = false
  private var status = 0
  let limit: Int
  let cancel: CancelFlag
  let onData: (@Sendable (Int, Data) -> Bool)?

  init(limit: Int, cancel: CancelFlag, onData: (@Sendable (Int, Data) -> Bool)?) {
    self.limit = limit
    self.cancel = cancel
    self.onData = onData
  }

  /// A piece of the body; false (end the transfer) past the limit, when cancelled or when the
  /// receiver wants no more.
  func append(_ bytes: UnsafeRawBufferPointer) -> Bool {
    if cancel.isSet {
      stopped = true
      return false
    }
    received += bytes.count
    if let onData {
      guard onData(status, Data(bytes)) else {
        stopped = true
        return false
      }
      return true
    }
    guard data.count + bytes.count <= limit else {
      overflowed = true
      return false
    }
    data.append(contentsOf: bytes)
    return true
  }

  /// One header line (a status line starts a new set: only the final response's are kept).
  func header(_ bytes: UnsafeRawBufferPointer) {
    let line = String(decoding: bytes, as: UTF8.self).trimmingCharacters(
      in: .whitespacesAndNewlines)
    if line.hasPrefix("HTTP/") {
      headers = [:]
      let parts = line.split(separator: " ")
      status = parts.count > 1 ? Int(parts[1]) ?? 0 : 0
      return
    }
    guard let colon = line.firstIndex(of: ":") else { return }
    let name = line[..<colon].lowercased()
    headers[name] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
  }
}
