import Basics
import Crypto
import Engine
import Foundation
import Inventory
import OrderedCollections
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
  /// The manifest holds secrets: applied server-side, and no object keeps a
  /// `last-applied-configuration` annotation (a client-side apply of earlier versions left one).
  var secret = false

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

  /// Reads the ledger of applied manifests once per probe (`cm_cached`), compares this
  /// manifest's hash on the host and, when it is current, checks that its objects still exist.
  func probeScript(_ context: PlanContext) -> String {
    let presence = (try? presenceCheck()) ?? "false"
    return """
      command -v k3s >/dev/null 2>&1 || { echo api=absent; exit 0; }
      if ledger=$(cm_cached cluster-mgr-ledger \(Kubectl.call(["get", "configmap", Self.ledger, "-n", Self.ledgerNamespace, "-o", "json"]))); then
        echo api=up
        if printf '%s' "$ledger" | grep -q '"\(name)": *"\(hash)"'; then
          cm_try=1
          while :; do
            if cm_err=$( { \(presence); } 2>&1 >/dev/null ); then echo applied=current; break; fi
            case "$cm_err" in *NotFound*|*"not found"*) echo applied=missing; break ;; esac
            # Not an answer about the objects (the API hiccuped): ask again before deciding.
            if [ $cm_try -ge 3 ]; then
              echo applied=unknown; printf 'error=%s\n' "$(printf '%s\n' "$cm_err" | head -n 1)"; break
            fi
            cm_try=$((cm_try + 1)); sleep 1
          done
        else echo applied=stale; fi
      else
        case "$(cat "$cm_probe_tmp/cluster-mgr-ledger.err")" in *NotFound*|*"not found"*) echo api=up; echo applied=none ;; *) echo api=down ;; esac
      fi
      """
  }

  /// Shell that exits 0 when every object of the manifest exists (kubectl's errors on stderr).
  func presenceCheck() throws -> String {
    let byNamespace = Dictionary(grouping: try objects(), by: { $0.namespace ?? "" })
    return byNamespace.sorted(by: { $0.key < $1.key }).map { namespace, group in
      let refs = group.map { "\($0.kind.lowercased())/\($0.name)" }
      let ns = namespace.isEmpty ? [] : ["-n", namespace]
      return Kubectl.call(["get"] + refs + ns + ["-o", "name"])
    }.joined(separator: " && ")
  }

  func plan(current: ProbeSection, context: PlanContext) throws -> Plan {
    let objects = try objects()
    let label = "\(name) (\(objects.count) object\(objects.count == 1 ? "" : "s"))"
    let why: String
    switch (current["api"], current["applied"]) {
    case ("up", "current"): return .ok("\(label) applied")
    case ("absent", _): why = "apply once K3s is installed"
    case ("down", _): why = "apply once the API answers"
    case (_, "missing"): why = "re-create deleted objects"
    case (_, "unknown"):
      why = "re-apply (could not confirm its objects exist: \(current["error"] ?? "no answer"))"
    case (_, "stale"): why = "re-apply (the manifest changed)"
    default: why = "apply"
    }
    var diff: String?
    if context.diffMode {
      diff =
        "--- \(name) (cluster)\n+++ \(name) (desired)\n"
        + objects.map { "+ \($0.kind)/\($0.name)\($0.namespace.map { " -n \($0)" } ?? "")\n" }
        .joined()
    }
    return Plan(.change, "\(label): \(why)", diff: diff, apply: applyScript())
  }

  /// Applies the manifest and records its hash in the ledger. The manifest travels base64
  /// encoded, so no line of it can end a here-document early or reach the shell.
  func applyScript() -> String {
    let flags = serverSide || secret ? ["--server-side", "--force-conflicts"] : []
    let dropAnnotation =
      secret
      ? ((try? objects()) ?? []).map {
        Kubectl.call(
          ["annotate", "\($0.kind.lowercased())/\($0.name)"]
            + ($0.namespace.map { ["-n", $0] } ?? [])
            + ["kubectl.kubernetes.io/last-applied-configuration-"]) + " >/dev/null\n"
      }.joined() : ""
    let ledgerManifest = """
      apiVersion: v1
      kind: ConfigMap
      metadata:
        name: \(Self.ledger)
        namespace: \(Self.ledgerNamespace)

      """
    let patch = JSONText.compact(.map(["data": .map([name: .string(hash)])]))
    return """
      \(ShellQuote.feeding(Kubectl.call(["apply"] + flags + ["-f", "-"]), data: Data(manifest.utf8)))
      \(dropAnnotation)      \(Kubectl.call(["get", "configmap", Self.ledger, "-n", Self.ledgerNamespace])) >/dev/null 2>&1 || \(ShellQuote.feeding(Kubectl.call(["apply", "-f", "-"]), data: Data(ledgerManifest.utf8)))
      \(Kubectl.call(["patch", "configmap", Self.ledger, "-n", Self.ledgerNamespace, "--type", "merge", "-p", patch]))
      """
  }
}
