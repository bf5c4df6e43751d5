import Basics
import Engine
import Foundation

/// A node's labels and taints reconciled through the API: declared ones added or changed, ones
/// cluster-mgr set earlier but no longer declared removed. Ownership is remembered in the
/// node's annotations, so labels and taints set by others are never touched.
struct NodeMetadata: Resource {
  /// The Kubernetes node name.
  let node: String
  /// Declared labels.
  let labels: [(key: String, value: String)]
  /// Declared taints as `key=value:Effect` (value optional).
  let taints: [String]

  static let labelsAnnotation = "cluster-mgr.io/managed-labels"
  static let taintsAnnotation = "cluster-mgr.io/managed-taints"

  func probeScript(_ context: PlanContext) -> String { NodeList.probe }

  struct Taint: Hashable {
    var key: String
    var value: String
    var effect: String
    /// `key:Effect`, how ownership is recorded and how kubectl removes it.
    var identity: String { "\(key):\(effect)" }
    var spec: String { value.isEmpty ? "\(key):\(effect)" : "\(key)=\(value):\(effect)" }

    init(key: String, value: String, effect: String) {
      self.key = key
      self.value = value
      self.effect = effect
    }

    init?(spec: String) {
      guard let colon = spec.lastIndex(of: ":") else { return nil }
      effect = String(spec[spec.index(after: colon)...])
      let kv = spec[..<colon]
      if let eq = kv.firstIndex(of: "=") {
        key = String(kv[..<eq])
        value = String(kv[kv.index(after: eq)...])
      } else {
        key = String(kv)
        value = ""
      }
    }
  }

  func plan(current: ProbeSection, context: PlanContext) throws -> Plan {
    let desiredTaints = try taints.map { spec -> Taint in
      guard let taint = Taint(spec: spec) else {
        throw PlanError("invalid taint \(spec) for \(node)")
      }
      return taint
    }
    guard let json = NodeList.node(node, in: current) else {
      let what = labels.map { "\($0.key)=\($0.value)" } + desiredTaints.map(\.spec)
      return Plan(
        .change,
        "node \(node) not registered yet: set \(what.isEmpty ? "nothing" : what.joined(separator: ", ")) once it is",
        apply:
          "echo \(ShellQuote.quote("node \(node) is not registered in the cluster")) >&2; exit 1")
    }
    let metadata = json["metadata"] as? [String: Any] ?? [:]
    let currentLabels = metadata["labels"] as? [String: String] ?? [:]
    let annotations = metadata["annotations"] as? [String: String] ?? [:]
    let managedLabels = Set(Self.list(annotations[Self.labelsAnnotation]))
    let managedTaints = Set(Self.list(annotations[Self.taintsAnnotation]))
    let spec = json["spec"] as? [String: Any] ?? [:]
    let currentTaints = (spec["taints"] as? [[String: Any]] ?? []).map {
      Taint(
        key: $0["key"] as? String ?? "", value: $0["value"] as? String ?? "",
        effect: $0["effect"] as? String ?? "")
    }

    var labelArgs: [String] = []
    var changes: [String] = []
    for (key, value) in labels where currentLabels[key] != value {
      labelArgs.append("\(key)=\(value)")
      changes.append(
        currentLabels[key] == nil
          ? "+label \(key)=\(value)" : "label \(key): \(currentLabels[key]!) → \(value)")
    }
    let declaredKeys = Set(labels.map(\.key))
    for key in managedLabels.subtracting(declaredKeys).sorted() where currentLabels[key] != nil {
      labelArgs.append("\(key)-")
      changes.append("-label \(key)")
    }
    var taintCommands: [[String]] = []
    for taint in desiredTaints where !currentTaints.contains(taint) {
      taintCommands.append(["taint", "node", node, taint.spec, "--overwrite"])
      changes.append("+taint \(taint.spec)")
    }
    let declaredTaints = Set(desiredTaints.map(\.identity))
    for identity in managedTaints.subtracting(declaredTaints).sorted()
    where currentTaints.contains(where: { $0.identity == identity }) {
      taintCommands.append(["taint", "node", node, "\(identity)-"])
      changes.append("-taint \(identity)")
    }
    let newManagedLabels = declaredKeys.sorted().joined(separator: ",")
    let newManagedTaints = declaredTaints.sorted().joined(separator: ",")
    let ownershipChanged =
      annotations[Self.labelsAnnotation] ?? "" != newManagedLabels
      || annotations[Self.taintsAnnotation] ?? "" != newManagedTaints
    if changes.isEmpty && !ownershipChanged { return .ok("\(node): labels and taints as declared") }
    var commands: [String] = []
    if !labelArgs.isEmpty {
      commands.append(Kubectl.call(["label", "node", node, "--overwrite"] + labelArgs))
    }
    commands += taintCommands.map(Kubectl.call)
    commands.append(
      Kubectl.call([
        "annotate", "node", node, "--overwrite", "\(Self.labelsAnnotation)=\(newManagedLabels)",
        "\(Self.taintsAnnotation)=\(newManagedTaints)",
      ]))
    let summary =
      changes.isEmpty
      ? "\(node): record ownership of its labels and taints"
      : "\(node): \(changes.joined(separator: ", "))"
    return Plan(.change, summary, apply: commands.joined(separator: "\n"))
  }

  static func list(_ text: String?) -> [String] {
    (text ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter {
      !$0.isEmpty
    }
  }
}

/// Waits until a node is Ready and its kubelet runs the expected K3s version (checked through
/// the API on a server: the running version, not the binary on disk).
struct NodeReady: Resource {
  let node: String
  let version: String
  let timeoutSeconds: Int

  var check: String {
    """
    [ "$(\(Kubectl.call(["get", "node", node, "-o", "jsonpath={.status.conditions[?(@.type==\"Ready\")].status}"])) 2>/dev/null)" = True ] && \
    [ "$(\(Kubectl.call(["get", "node", node, "-o", "jsonpath={.status.nodeInfo.kubeletVersion}"])) 2>/dev/null)" = \(ShellQuote.quote(version)) ]
    """
  }

  func probeScript(_ context: PlanContext) -> String { NodeList.probe }

  func plan(current: ProbeSection, context: PlanContext) throws -> Plan {
    let object = NodeList.node(node, in: current)
    let running = object.flatMap(NodeList.kubeletVersion)
    if let object, NodeList.isReady(object), running == version, !context.earlierTaskChanges {
      return .ok("\(node) Ready, kubelet \(version)")
    }
    let apply = """
      cm_deadline=$(( $(date +%s) + \(timeoutSeconds) ))
      until \(check); do
        if [ "$(date +%s)" -ge "$cm_deadline" ]; then
          echo \(ShellQuote.quote("\(node) is not Ready with kubelet \(version) after \(timeoutSeconds)s:")) >&2
          \(Kubectl.call(["get", "node", node, "-o", "wide"])) >&2 || true
          exit 1
        fi
        sleep 2
      done
      echo @@cm-unchanged
      """
    let was = running.map { $0 == version ? "" : " (runs \($0) now)" } ?? ""
    return Plan(
      .change, "wait for \(node) Ready with kubelet \(version)\(was)", apply: apply,
      reportsOwnChange: true)
  }
}
