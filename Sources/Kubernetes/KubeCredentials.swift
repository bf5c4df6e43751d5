import Basics
import Foundation
import Yams

/// What the client needs to reach one cluster: the API's URL, the CA its certificate must chain
/// to, and a client certificate with its key or a bearer token. Held in memory only.
public struct KubeCredentials: Sendable, Hashable {
  /// `https://host:port` of the API server.
  public var server: String
  /// The cluster CA (PEM).
  public var authorityPEM: Data
  /// The client certificate and its chain (PEM), when authenticating with a certificate.
  public var certificatePEM: Data?
  /// The client certificate's private key (PEM).
  public var keyPEM: Data?
  /// A bearer token, when authenticating with one.
  public var token: String?

  /// Creates credentials.
  public init(
    server: String, authorityPEM: Data, certificatePEM: Data? = nil, keyPEM: Data? = nil,
    token: String? = nil
  ) {
    self.server = server
    self.authorityPEM = authorityPEM
    self.certificatePEM = certificatePEM
    self.keyPEM = keyPEM
    self.token = token
  }

  /// The same credentials for another URL of the same cluster (another server, the API
  /// endpoint).
  public func with(server: String) -> KubeCredentials {
    var copy = self
    copy.server = server
    return copy
  }

  /// The keys a cluster entry may have, and a user entry.
  static let clusterKeys: Set<String> = ["server", "certificate-authority-data"]
  static let userKeys: Set<String> = ["client-certificate-data", "client-key-data", "token"]

  /// The credentials of `context` (nil: the current context, else the only one) in the
  /// kubeconfig `text`. Only inline data is taken (`certificate-authority-data`,
  /// `client-certificate-data`, `client-key-data`, `token`): an `exec` plugin, an
  /// `auth-provider`, a file path, a proxy or `insecure-skip-tls-verify` is refused.
  public static func parse(_ text: String, context wanted: String? = nil, source: String)
    throws(KubeconfigProblem) -> KubeCredentials
  {
    let root: Node.Mapping
    do {
      guard let node = try Yams.compose(yaml: text), let mapping = node.mapping else {
        throw KubeconfigProblem("\(source) is not a YAML mapping")
      }
      root = mapping
    } catch let problem as KubeconfigProblem {
      throw problem
    } catch {
      throw KubeconfigProblem("\(source) is not valid YAML: \(error)")
    }
    let contexts = entries(root, "contexts", inner: "context")
    let clusters = entries(root, "clusters", inner: "cluster")
    let users = entries(root, "users", inner: "user")
    let name =
      wanted ?? root["current-context"]?.string ?? (contexts.count == 1 ? contexts[0].name : nil)
    if let name, let context = contexts.first(where: { $0.name == name })?.body {
      guard let cluster = clusters.first(where: { $0.name == context["cluster"]?.string }) else {
        throw KubeconfigProblem("\(source): context \(name) names no cluster it has")
      }
      guard let user = users.first(where: { $0.name == context["user"]?.string }) else {
        throw KubeconfigProblem("\(source): context \(name) names no user it has")
      }
      return try make(cluster: cluster.body, user: user.body, source: source)
    }
    if wanted == nil, clusters.count == 1, users.count == 1 {
      return try make(cluster: clusters[0].body, user: users[0].body, source: source)
    }
    throw KubeconfigProblem("\(source) has no context \(wanted ?? "to use (no current-context)")")
  }

  private static func make(cluster: Node.Mapping, user: Node.Mapping, source: String)
    throws(KubeconfigProblem) -> KubeCredentials
  {
    try refuseOthers(cluster, allowed: clusterKeys, entry: "cluster", source: source)
    try refuseOthers(user, allowed: userKeys, entry: "user", source: source)
    guard let server = cluster["server"]?.string, server.hasPrefix("https://") else {
      throw KubeconfigProblem("\(source): the cluster's server is not an https:// URL")
    }
    let authority = try pem(cluster, "certificate-authority-data", kind: "CERTIFICATE", source)
    if let token = user["token"]?.string, !token.isEmpty {
      return KubeCredentials(server: server, authorityPEM: authority, token: token)
    }
    return KubeCredentials(
      server: server, authorityPEM: authority,
      certificatePEM: try pem(user, "client-certificate-data", kind: "CERTIFICATE", source),
      keyPEM: try pem(user, "client-key-data", kind: "PRIVATE KEY", source))
  }

  private static func entries(_ root: Node.Mapping, _ key: String, inner: String) -> [(
    name: String, body: Node.Mapping
  )] {
    (root[key]?.sequence.map(Array.init) ?? []).compactMap { entry in
      guard let name = entry.mapping?["name"]?.string, let body = entry.mapping?[inner]?.mapping
      else { return nil }
      return (name, body)
    }
  }

  private static func refuseOthers(
    _ entry: Node.Mapping, allowed: Set<String>, entry name: String, source: String
  ) throws(KubeconfigProblem) {
    let others = entry.keys.compactMap(\.string).filter { !allowed.contains($0) }.sorted()
    guard others.isEmpty else {
      throw KubeconfigProblem(
        "\(source) has \(others.joined(separator: ", ")) in its \(name) entry; cluster-mgr takes only "
          + "\(allowed.sorted().joined(separator: ", ")) (inline data, no plugin, no file, no proxy)"
      )
    }
  }

  private static func pem(_ entry: Node.Mapping, _ key: String, kind: String, _ source: String)
    throws(KubeconfigProblem) -> Data
  {
    guard let value = entry[key]?.string, let decoded = Data(base64Encoded: value),
      let text = String(data: decoded, encoding: .utf8), text.contains("-----BEGIN "),
      text.contains("\(kind)-----")
    else {
      throw KubeconfigProblem("\(source) has no base64 PEM \(kind.lowercased()) in \(key)")
    }
    return decoded
  }
}

/// A kubeconfig that cluster-mgr cannot use.
public struct KubeconfigProblem: OperatorError {
  /// What is wrong, naming the file.
  public let message: String
  /// What to do.
  public var remedy: String? {
    "run cluster-mgr provision to merge the cluster's context into your kubeconfig, or pass --kubeconfig"
  }

  /// Creates the problem.
  public init(_ message: String) { self.message = message }
}
