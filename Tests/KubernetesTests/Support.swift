import ClusterMgrTesting
import CurlHTTP
import Foundation
import Kubernetes

/// One API server (the K3s stand-in's) shared by this module's tests; each test works in
/// objects of its own.
enum TestCluster {
  static let server: TestAPIServer? = try? TestAPIServer()

  /// The server, or a failed expectation naming why it did not start.
  static func api() throws -> TestAPIServer {
    guard let server else { throw TestClusterError.notStarted }
    return server
  }

  /// A client of the shared server.
  static func client(
    route: CurlRouteChoice = .direct, fallback: KubeClient.Fallback? = nil
  ) throws -> KubeClient {
    let server = try api()
    let credentials = try KubeCredentials.parse(server.kubeconfig, source: "test kubeconfig")
    switch route {
    case .direct:
      return KubeClient(credentials: credentials, fallback: fallback)
    case .nowhere(let path):
      return KubeClient(
        credentials: credentials, route: .unixSocket(path: path), fallback: fallback)
    }
  }

  /// A ConfigMap as YAML would give it.
  static func configMap(_ name: String, _ data: [String: String], namespace: String = "default")
    -> JSONValue
  {
    .object([
      "apiVersion": .string("v1"), "kind": .string("ConfigMap"),
      "metadata": .object(["name": .string(name), "namespace": .string(namespace)]),
      "data": .object(data.mapValues { .string($0) }),
    ])
  }
}

/// Where a test client's connections go.
enum CurlRouteChoice {
  /// The server's address.
  case direct
  /// A unix socket nobody listens on (the first route fails to connect).
  case nowhere(String)
}

enum TestClusterError: Error { case notStarted }
