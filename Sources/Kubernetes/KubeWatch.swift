import Basics
import CurlHTTP
import Foundation

/// One event of a watch: `ADDED`, `MODIFIED`, `DELETED`, `BOOKMARK` or `ERROR` (whose object is
/// a `Status`).
public struct WatchEvent: Sendable {
  /// The event type.
  public var type: String
  /// The object (for `BOOKMARK` only its resourceVersion is meaningful).
  public var object: JSONValue
}

extension KubeClient {
  /// Watches objects of `type` from `resourceVersion` (a list's): the events as they arrive,
  /// bookmarks included, until the server ends the watch (`timeout`), an `ERROR` event arrives
  /// (thrown as ``KubeError``) or the consumer stops iterating.
  public func watch(
    _ type: ResourceType, namespace: String? = nil, labelSelector: String? = nil,
    fieldSelector: String? = nil, resourceVersion: String, timeout: Duration = .seconds(60)
  ) -> AsyncThrowingStream<WatchEvent, any Error> {
    var query = [
      ("watch", "1"), ("allowWatchBookmarks", "true"), ("resourceVersion", resourceVersion),
      ("timeoutSeconds", String(max(1, timeout.components.seconds))),
    ]
    if let labelSelector { query.append(("labelSelector", labelSelector)) }
    if let fieldSelector { query.append(("fieldSelector", fieldSelector)) }
    let path = type.path(namespace: namespace)
    let parameters = query
    return AsyncThrowingStream { continuation in
      let task = Task {
        let lines = WatchLineBuffer()
        var (http, server) = await routes.current
        var result = await http.stream(
          makeWatchRequest(server: server, path: path, query: parameters, timeout: timeout)
        ) { status, data in
          lines.receive(status: status, data: data, into: continuation)
        }
        if case .failure(let failure) = result, failure.beforeConnecting,
          await routes.switchRoute(after: failure, from: http)
        {
          (http, server) = await routes.current
          result = await http.stream(
            makeWatchRequest(server: server, path: path, query: parameters, timeout: timeout)
          ) { status, data in
            lines.receive(status: status, data: data, into: continuation)
          }
        }
        switch result {
        case .success(let status) where status == 200:
          continuation.finish()
        case .success(let status):
          let error = KubeError(
            .status(KubeStatus(code: status, body: lines.collected)), request: "WATCH \(path)",
            server: server)
          continuation.finish(throwing: error)
        case .failure(let failure) where failure.kind == .cancelled:
          continuation.finish()
        case .failure(let failure):
          continuation.finish(
            throwing: KubeError(.transport(failure), request: "WATCH \(path)", server: server))
        }
      }
      continuation.onTermination = { _ in task.cancel() }
    }
  }

  private func makeWatchRequest(
    server: String, path: String, query: [(String, String)], timeout: Duration
  ) -> HTTPRequest {
    var headers: [(name: String, value: String)] = [("Accept", "application/json")]
    if let token = credentials.token { headers.append(("Authorization", "Bearer \(token)")) }
    return HTTPRequest(
      url: server + path + Self.queryString(query), headers: headers,
      timeout: timeout + .seconds(15), connectTimeout: connectTimeout)
  }

  /// Waits until `condition` holds for the objects of `type` that the selectors pick: a list
  /// first (one request when it already holds), then a watch from the list's resourceVersion,
  /// listed again when the watch ends or its resourceVersion expired. Returns the objects by
  /// name; throws ``KubeWaitTimeout`` (naming `what` and `describe`'s account of the last state)
  /// when `timeout` passes first.
  public func wait(
    for what: String, _ type: ResourceType, namespace: String? = nil,
    labelSelector: String? = nil, fieldSelector: String? = nil, timeout: Duration,
    describe: @Sendable ([String: JSONValue]) -> String = { _ in "" },
    until condition: @Sendable ([String: JSONValue]) -> Bool
  ) async throws -> [String: JSONValue] {
    let deadline = ContinuousClock.now + timeout
    var objects: [String: JSONValue] = [:]
    while true {
      let list = try await self.list(
        type, namespace: namespace, labelSelector: labelSelector, fieldSelector: fieldSelector)
      objects = Dictionary(
        list.items.map { (Self.key($0), $0) }, uniquingKeysWith: { _, last in last })
      if condition(objects) { return objects }
      let left = ContinuousClock.now.duration(to: deadline)
      guard left > .zero else { break }
      var resourceVersion = list.resourceVersion
      do {
        for try await event in watch(
          type, namespace: namespace, labelSelector: labelSelector, fieldSelector: fieldSelector,
          resourceVersion: resourceVersion, timeout: min(left, .seconds(60)))
        {
          if let version = event.object[path: ["metadata", "resourceVersion"]]?.string {
            resourceVersion = version
          }
          switch event.type {
          case "ADDED", "MODIFIED": objects[Self.key(event.object)] = event.object
          case "DELETED": objects[Self.key(event.object)] = nil
          default: continue
          }
          if condition(objects) { return objects }
          if ContinuousClock.now >= deadline { break }
        }
      } catch let error as KubeError where error.status?.code == 410 {
        continue  // too old a resourceVersion: list again
      }
      if ContinuousClock.now >= deadline { break }
    }
    throw KubeWaitTimeout(what: what, timeout: timeout, state: describe(objects))
  }

  /// `namespace/name` (or `name`) of an object.
  static func key(_ object: JSONValue) -> String {
    let name = object[path: ["metadata", "name"]]?.string ?? ""
    guard let namespace = object[path: ["metadata", "namespace"]]?.string else { return name }
    return "\(namespace)/\(name)"
  }
}

/// A wait through the API that ran out of time.
public struct KubeWaitTimeout: OperatorError {
  /// What was waited for.
  public var what: String
  /// How long.
  public var timeout: Duration
  /// The last state seen, in words.
  public var state: String

  public var message: String {
    "\(what): not reached within \(timeout.components.seconds) s"
      + (state.isEmpty ? "" : "; last seen: \(state)")
  }

  public var remedy: String? { "find out why (kubectl describe), then run again" }
}

/// Splits a watch's body into lines, decodes each event and hands it on.
final class WatchLineBuffer: @unchecked Sendable {
  private let lock = NSLock()
  private var pending = Data()
  /// The body of a refused watch (a Status), kept to explain the refusal.
  private(set) var collected = Data()

  func receive(
    status: Int, data: Data,
    into continuation: AsyncThrowingStream<WatchEvent, any Error>.Continuation
  ) -> Bool {
    lock.lock()
    defer { lock.unlock() }
    guard status == 200 else {
      if collected.count < 65536 { collected.append(data) }
      return true
    }
    pending.append(data)
    while let newline = pending.firstIndex(of: 0x0A) {
      let line = pending[pending.startIndex..<newline]
      pending = Data(pending[pending.index(after: newline)...])
      guard !line.isEmpty, let event = try? JSONValue.parse(Data(line)),
        let type = event["type"]?.string
      else { continue }
      let object = event["object"] ?? .null
      if type == "ERROR" {
        let code = object["code"]?.int ?? 500
        continuation.finish(
          throwing: KubeError(
            .status(KubeStatus(code: code, body: object.data)), request: "WATCH", server: ""))
        return false
      }
      if case .terminated = continuation.yield(WatchEvent(type: type, object: object)) {
        return false
      }
    }
    return true
  }
}
