import Basics
import CurlHTTP
import Foundation

/// A `Status` object: how the API server explains a refusal (`kind: Status`, metav1.Status).
public struct KubeStatus: Sendable, Hashable {
  /// The HTTP status code it came with.
  public var code: Int
  /// The machine-readable reason (`NotFound`, `Conflict`, `TooManyRequests`, `Invalid`, …).
  public var reason: String
  /// The API's own message.
  public var message: String
  /// The messages of `details.causes`, when the server listed causes.
  public var causes: [String]

  /// Creates a status.
  public init(code: Int, reason: String, message: String, causes: [String] = []) {
    self.code = code
    self.reason = reason
    self.message = message
    self.causes = causes
  }

  /// The Status in `body`, or one made from the HTTP status and the body's text.
  public init(code: Int, body: Data) {
    if let status = try? JSONValue.parse(body), status["kind"]?.string == "Status" {
      self.init(
        code: status["code"]?.int ?? code, reason: status["reason"]?.string ?? "",
        message: status["message"]?.string ?? "",
        causes: (status[path: ["details", "causes"]]?.array ?? []).compactMap {
          $0["message"]?.string
        })
      return
    }
    let text = String(decoding: body.prefix(300), as: UTF8.self)
      .trimmingCharacters(in: .whitespacesAndNewlines)
    self.init(code: code, reason: HTTPStatusText.reason(code), message: text)
  }
}

/// A request to the Kubernetes API that did not succeed: the API's refusal (its `Status`), or
/// why no answer came.
public struct KubeError: OperatorError, Sendable {
  /// What went wrong.
  public enum Failure: Sendable, Equatable {
    /// The server answered with an error status.
    case status(KubeStatus)
    /// No complete answer (connection, TLS, time limit).
    case transport(HTTPFailure)
    /// The answer could not be read.
    case unreadable(String)
  }

  /// What went wrong.
  public var failure: Failure
  /// The request, e.g. `GET /api/v1/nodes`.
  public var request: String
  /// The API server's URL.
  public var server: String

  /// Creates the error.
  public init(_ failure: Failure, request: String, server: String) {
    self.failure = failure
    self.request = request
    self.server = server
  }

  /// The API's Status, when the server answered.
  public var status: KubeStatus? {
    if case .status(let status) = failure { return status }
    return nil
  }

  /// Whether the server said the object does not exist.
  public var isNotFound: Bool { status?.code == 404 }

  public var message: String {
    switch failure {
    case .status(let status):
      let reason = status.reason.isEmpty ? "" : " \(status.reason)"
      return
        "the Kubernetes API refused \(request): \(status.message) (HTTP \(status.code)\(reason))"
    case .transport(let failure):
      return "the Kubernetes API at \(server) did not answer \(request): \(failure)"
    case .unreadable(let detail):
      return "the Kubernetes API's answer to \(request) could not be read: \(detail)"
    }
  }

  public var remedy: String? {
    switch failure {
    case .status(let status) where status.code == 401 || status.code == 403:
      return
        "the credentials were refused: run cluster-mgr provision to merge the cluster's admin kubeconfig again"
    case .status(let status) where status.code == 409:
      return
        "another manager changed the object meanwhile, or owns the field: run again; see kubectl get -o yaml --show-managed-fields"
    case .status: return nil
    case .transport:
      return
        "check that the servers are up and on the tailnet (cluster-mgr ping) and that K3s runs there (cluster-mgr provision)"
    case .unreadable: return nil
    }
  }

  public var exitStatus: Int32 {
    if case .transport = failure { return ExitStatus.unreachable }
    return ExitStatus.failure
  }
}

/// Reason phrases for HTTP status codes the API uses, as its `Status.reason` spells them.
enum HTTPStatusText {
  static func reason(_ code: Int) -> String {
    switch code {
    case 400: return "BadRequest"
    case 401: return "Unauthorized"
    case 403: return "Forbidden"
    case 404: return "NotFound"
    case 405: return "MethodNotAllowed"
    case 409: return "Conflict"
    case 410: return "Expired"
    case 415: return "UnsupportedMediaType"
    case 422: return "Invalid"
    case 429: return "TooManyRequests"
    case 500: return "InternalError"
    case 503: return "ServiceUnavailable"
    case 504: return "Timeout"
    default: return ""
    }
  }
}

extension KubeError {
  /// The outcome of `body` as a value: how callers look at a refusal (`status`) without a
  /// pattern-matching `catch`.
  public static func result<T>(_ body: () async throws(KubeError) -> T) async -> Result<
    T, KubeError
  > {
    do { return .success(try await body()) } catch { return .failure(error) }
  }
}
