import Engine
import Foundation
import Kubernetes
import Yams

/// `--diff` and history text for Kubernetes objects: field by field, multi-line values (a
/// ConfigMap's file) as unified diffs of their lines, and a Secret's values never shown.
enum FieldDiffText {
  /// The diff of one object: `--- Kind ns/name (cluster)`, `+++ … (desired)`, then each field.
  static func render(_ state: ObjectState, secret: Bool) -> String? {
    let header = "--- \(state.name) (cluster)\n+++ \(state.name) (desired)\n"
    switch state.verdict {
    case .current, .conflict: return nil
    case .missing, .unserved:
      return header + "+ (new object)\n" + (secret ? "" : indented(yaml(state.desired), "+ "))
    case .differs(let changes):
      return header + changes.map { render($0, secret: secret) }.joined()
    }
  }

  static func render(_ change: FieldDiff.Change, secret: Bool) -> String {
    if change.secret || secret {
      return "  \(change.path): changed (secret, not shown)\n"
    }
    if let old = change.old?.string, let new = change.new?.string,
      old.contains("\n") || new.contains("\n"),
      let diff = UnifiedDiff.make(old: old, new: new, path: change.path)
    {
      let lines = diff.split(separator: "\n", omittingEmptySubsequences: false).dropFirst(2)
      return "  \(change.path):\n" + lines.filter { !$0.isEmpty }.map { "  \($0)\n" }.joined()
    }
    var text = "  \(change.path):\n"
    if let old = change.old { text += indented(scalar(old), "-   ") }
    if let new = change.new { text += indented(scalar(new), "+   ") }
    return text
  }

  private static func scalar(_ value: JSONValue) -> String {
    if case .string(let string) = value { return string }
    if case .object = value { return yaml(value) }
    if case .array = value { return yaml(value) }
    return value.text
  }

  private static func yaml(_ value: JSONValue) -> String {
    (try? Yams.dump(object: value.foundation, width: -1, sortKeys: true)) ?? value.text
  }

  private static func indented(_ text: String, _ prefix: String) -> String {
    text.split(separator: "\n", omittingEmptySubsequences: false)
      .filter { !$0.isEmpty }.map { prefix + $0 + "\n" }.joined()
  }
}
