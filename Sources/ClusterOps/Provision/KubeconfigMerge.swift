import Basics
import Foundation
import Yams

/// Merges a K3s server's admin kubeconfig into the workstation's kubeconfig under one context
/// named after the cluster, pointing at the server's Tailscale address, without touching any
/// other cluster, user or context.
public enum KubeconfigMerge {
  /// What the merge did.
  public enum Outcome: Sendable, Equatable {
    /// The file already held exactly this context.
    case unchanged
    /// The context was added or updated.
    case updated
  }

  /// The merged kubeconfig text: `existing` (may be empty) plus `serverConfig` renamed to
  /// `name` with `server` as the API URL.
  public static func merge(existing: String, serverConfig: String, name: String, server: String)
    throws
    -> String
  {
    let incoming = try mapping(serverConfig, what: "the server's kubeconfig")
    guard let cluster = first(incoming, "clusters")?.mapping?["cluster"],
      let user = first(incoming, "users")?.mapping?["user"]
    else { throw KubeconfigError(message: "the server's kubeconfig has no cluster or user") }
    var clusterBody = cluster.mapping ?? [:]
    clusterBody["server"] = Node(server)
    let userName = "\(name)-admin"
    var base =
      existing.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty
      ? Node.Mapping([
        (Node("apiVersion"), Node("v1")), (Node("kind"), Node("Config")),
        (Node("preferences"), Node.mapping([:])),
      ])
      : try mapping(existing, what: "the existing kubeconfig")
    upsert(&base, "clusters", name: name, body: ("cluster", Node.mapping(clusterBody)))
    upsert(&base, "users", name: userName, body: ("user", user))
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

  /// Writes the merge into `path` (mode 0600, atomically), creating the directory if needed.
  public static func write(serverConfig: String, name: String, server: String, to path: String)
    throws
    -> Outcome
  {
    let fm = FileManager.default
    let existing = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
    let merged = try merge(
      existing: existing, serverConfig: serverConfig, name: name, server: server)
    if !existing.isEmpty, let old = try? Yams.compose(yaml: existing),
      let new = try? Yams.compose(yaml: merged),
      old == new
    {
      return .unchanged
    }
    let url = URL(fileURLWithPath: path)
    try fm.createDirectory(
      at: url.deletingLastPathComponent(), withIntermediateDirectories: true,
      attributes: [.posixPermissions: 0o700])
    let temp = url.deletingLastPathComponent().appendingPathComponent(
      ".\(url.lastPathComponent).cluster-mgr-\(getpid())")
    guard
      fm.createFile(
        atPath: temp.path, contents: Data(merged.utf8), attributes: [.posixPermissions: 0o600])
    else {
      throw KubeconfigError(message: "cannot write \(temp.path)")
    }
    if rename(temp.path, path) != 0 {
      let reason = String(cString: strerror(errno))
      unlink(temp.path)
      throw KubeconfigError(message: "cannot replace \(path): \(reason)")
    }
    chmod(path, 0o600)
    return .updated
  }

  private static func mapping(_ text: String, what: String) throws -> Node.Mapping {
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

  private static func first(_ mapping: Node.Mapping, _ key: String) -> Node? {
    mapping[key]?.sequence?.first
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

/// The kubeconfig could not be read or written.
public struct KubeconfigError: OperatorError {
  public let message: String
  public var remedy: String? { "check ~/.kube/config (or $KUBECONFIG) and its permissions" }
}
