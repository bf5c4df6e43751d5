import Basics
import Foundation
import Yams

/// Merges a K3s server's admin kubeconfig into the workstation's kubeconfig under one context
/// named after the cluster, pointing at the server's Tailscale address, without touching any
/// other cluster, user or context.
///
/// Nothing the server's file says can make the workstation run or trust more: only the CA, the
/// client certificate and its key are taken (as base64 PEM data); an `exec` plugin, an
/// `auth-provider`, a token, a proxy, `insecure-skip-tls-verify` or any other key is refused.
public enum KubeconfigMerge {
  /// What the merge did.
  public enum Outcome: Sendable, Equatable {
    /// The file already held exactly this context.
    case unchanged
    /// The context was added or updated.
    case updated
  }

  /// The keys taken from the server's cluster and user entries; anything else is refused.
  static let clusterKeys: Set<String> = ["server", "certificate-authority-data"]
  static let userKeys: Set<String> = ["client-certificate-data", "client-key-data"]

  /// The merged kubeconfig text: `existing` (may be empty) plus the server's credentials under
  /// `name`, with `server` as the API URL.
  public static func merge(existing: String, serverConfig: String, name: String, server: String)
    throws -> String
  {
    let credentials = try ServerCredentials(serverConfig)
    let userName = "\(name)-admin"
    var base =
      existing.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty
      ? Node.Mapping([
        (Node("apiVersion"), Node("v1")), (Node("kind"), Node("Config")),
        (Node("preferences"), Node.mapping([:])),
      ])
      : try mapping(existing, what: "the existing kubeconfig")
    let cluster = Node.Mapping([
      (Node("certificate-authority-data"), Node(credentials.authority)),
      (Node("server"), Node(server)),
    ])
    let user = Node.Mapping([
      (Node("client-certificate-data"), Node(credentials.certificate)),
      (Node("client-key-data"), Node(credentials.key)),
    ])
    upsert(&base, "clusters", name: name, body: ("cluster", .mapping(cluster)))
    upsert(&base, "users", name: userName, body: ("user", .mapping(user)))
    upsert(
      &base, "contexts", name: name,
      body: (
        "context",
        Node.mapping(Node.Mapping([(Node("cluster"), Node(name)), (Node("user"), Node(userName))]))
      ))
    if (base["current-context"]?.string ?? "").isEmpty {
      base["current-context"] = Node(name)
    }
    return try Yams.serialize(node: .mapping(base), indent: 2, width: -1)
  }

  /// Merges into the kubeconfig at `path` (see ``KubeconfigFile``).
  public static func write(serverConfig: String, name: String, server: String, to path: String)
    throws -> Outcome
  {
    let file = KubeconfigFile(path: path)
    return try file.update { existing in
      try merge(existing: existing, serverConfig: serverConfig, name: name, server: server)
    }
  }

  static func mapping(_ text: String, what: String) throws -> Node.Mapping {
    do {
      guard let node = try Yams.compose(yaml: text), let mapping = node.mapping else {
        throw KubeconfigError(message: "\(what) is not a YAML mapping")
      }
      return mapping
    } catch let error as KubeconfigError {
      throw error
    } catch {
      throw KubeconfigError(message: "\(what) is not valid YAML: \(error)")
    }
  }

  private static func upsert(
    _ base: inout Node.Mapping, _ key: String, name: String, body: (String, Node)
  ) {
    var list = base[key]?.sequence.map { Array($0) } ?? []
    let entry = Node.mapping(Node.Mapping([(Node("name"), Node(name)), (Node(body.0), body.1)]))
    if let index = list.firstIndex(where: { $0.mapping?["name"]?.string == name }) {
      list[index] = entry
    } else {
      list.append(entry)
    }
    base[key] = Node.sequence(Node.Sequence(list))
  }
}

/// The three credentials cluster-mgr takes from a server's `k3s.yaml`, each checked to be base64
/// PEM of the right kind.
struct ServerCredentials {
  let authority: String
  let certificate: String
  let key: String

  init(_ text: String) throws {
    let incoming = try KubeconfigMerge.mapping(text, what: "the server's kubeconfig")
    guard let cluster = incoming["clusters"]?.sequence?.first?.mapping?["cluster"]?.mapping,
      let user = incoming["users"]?.sequence?.first?.mapping?["user"]?.mapping
    else { throw KubeconfigError(message: "the server's kubeconfig has no cluster or user") }
    try Self.refuseOthers(cluster, allowed: KubeconfigMerge.clusterKeys, entry: "cluster")
    try Self.refuseOthers(user, allowed: KubeconfigMerge.userKeys, entry: "user")
    authority = try Self.pem(cluster, "certificate-authority-data", kind: "CERTIFICATE")
    certificate = try Self.pem(user, "client-certificate-data", kind: "CERTIFICATE")
    key = try Self.pem(user, "client-key-data", kind: "PRIVATE KEY")
  }

  private static func refuseOthers(_ entry: Node.Mapping, allowed: Set<String>, entry name: String)
    throws
  {
    let others = entry.keys.compactMap(\.string).filter { !allowed.contains($0) }.sorted()
    guard others.isEmpty else {
      throw KubeconfigError(
        message:
          "the first server's kubeconfig has \(others.joined(separator: ", ")) in its \(name) entry; "
          + "cluster-mgr takes only \(allowed.sorted().joined(separator: ", ")) from a node and "
          + "wrote nothing (a node must not decide what runs on, or whom trusts, this workstation)",
        remedy:
          "check /etc/rancher/k3s/k3s.yaml on the first server: K3s writes only certificates there")
    }
  }

  private static func pem(_ entry: Node.Mapping, _ key: String, kind: String) throws -> String {
    guard let value = entry[key]?.string,
      let decoded = Data(base64Encoded: value).flatMap({ String(data: $0, encoding: .utf8) }),
      decoded.contains("-----BEGIN "), decoded.contains("\(kind)-----")
    else {
      throw KubeconfigError(
        message: "the first server's kubeconfig has no base64 PEM \(kind.lowercased()) in \(key)")
    }
    return value
  }
}

/// The kubeconfig could not be read or written.
public struct KubeconfigError: OperatorError {
  public let message: String
  public var remedy: String? = "check ~/.kube/config (or $KUBECONFIG) and its permissions"
}
