import Basics
import Crypto
import Engine
import Foundation
import Yams

/// Kubernetes objects applied with `k3s kubectl apply` on a server, re-applied only when the
/// manifest changed (its hash is kept in the `cluster-mgr-applied` ConfigMap) or an object
/// went missing.
struct KubeApply: Resource {
  /// A stable name for this manifest (a ConfigMap key).
  let name: String
  /// Multi-document YAML.
  let manifest: String
  /// Use server-side apply (large CRDs).
  let serverSide: Bool

  static let ledger = "cluster-mgr-applied"
  static let ledgerNamespace = "kube-system"

  struct Object: Hashable {
    let kind: String
    let name: String
    let namespace: String?
  }

  var hash: String {
    SHA256.hash(data: Data(manifest.utf8)).map { String(format: "%02x", $0) }.joined().prefix(16)
      .description
  }

  /// The objects of the manifest (kind, name, namespace).
  func objects() throws -> [Object] {
    var result: [Object] = []
    do {
      for document in try Yams.load_all(yaml: manifest) {
        guard let map = document as? [String: Any], let kind = map["kind"] as? String,
          let metadata = map["metadata"] as? [String: Any], let name = metadata["name"] as? String
        else { continue }
        result.append(Object(kind: kind, name: name, namespace: metadata["namespace"] as? String))
      }
    } catch {
      throw PlanError("manifest \(self.name) is not valid YAML: \(error)")
    }
    return result
  }

  func probeScript(_ context: PlanContext) -> String {
    let objects = (try? objects()) ?? []
    let byNamespace = Dictionary(grouping: objects, by: { $0.namespace ?? "" })
    var lines = [
      "command -v k3s >/dev/null 2>&1 || { echo api=absent; exit 0; }",
      "\(Kubectl.command) get --raw /readyz >/dev/null 2>&1 || { echo api=down; exit 0; }",
      "echo api=up",
      "echo \"applied=$(\(Kubectl.call(["get", "configmap", Self.ledger, "-n", Self.ledgerNamespace, "-o", "jsonpath={.data.\(name)}"])) 2>/dev/null)\"",
    ]
    for (namespace, group) in byNamespace.sorted(by: { $0.key < $1.key }) {
      let refs = group.map { "\($0.kind.lowercased())/\($0.name)" }
      let ns = namespace.isEmpty ? [] : ["-n", namespace]
      lines.append(
        "echo \"present=$(\(Kubectl.call(["get"] + refs + ns + ["-o", "name", "--ignore-not-found"])) 2>/dev/null | wc -l)/\(group.count)\"")
    }
    return lines.joined(separator: "\n")
  }

  func plan(current: ProbeSection, context: PlanContext) throws -> Plan {
    let objects = try objects()
    let label = "\(name) (\(objects.count) object\(objects.count == 1 ? "" : "s"))"
    if current["api"] == "up", current["applied"] == hash {
      let missing = current.values("present").filter {
        let parts = $0.split(separator: "/")
        return parts.count == 2 && parts[0].trimmingCharacters(in: .whitespaces) != String(parts[1])
      }
      if missing.isEmpty { return .ok("\(label) applied") }
    }
    let why: String
    switch current["api"] {
    case "absent": why = "apply once K3s is installed"
    case "down": why = "apply once the API answers"
    default: why = current["applied"]?.isEmpty ?? true ? "apply" : "re-apply (changed or missing objects)"
    }
    let flags = serverSide ? ["--server-side", "--force-conflicts"] : []
    let ledgerManifest = """
      apiVersion: v1
      kind: ConfigMap
      metadata:
        name: \(Self.ledger)
        namespace: \(Self.ledgerNamespace)
      """
    let patch = "{\"data\":{\"\(name)\":\"\(hash)\"}}"
    let apply = """
      \(Kubectl.call(["apply"] + flags + ["-f", "-"])) <<'CM_MANIFEST'
      \(manifest)
      CM_MANIFEST
      \(Kubectl.call(["get", "configmap", Self.ledger, "-n", Self.ledgerNamespace])) >/dev/null 2>&1 || \(Kubectl.call(["apply", "-f", "-"])) <<'CM_MANIFEST'
      \(ledgerManifest)
      CM_MANIFEST
      \(Kubectl.call(["patch", "configmap", Self.ledger, "-n", Self.ledgerNamespace, "--type", "merge", "-p", patch]))
      """
    var diff: String?
    if context.diffMode {
      diff = "--- \(name) (cluster)\n+++ \(name) (desired)\n"
        + objects.map { "+ \($0.kind)/\($0.name)\($0.namespace.map { " -n \($0)" } ?? "")\n" }.joined()
    }
    return Plan(.change, "\(label): \(why)", diff: diff, apply: apply)
  }
}
