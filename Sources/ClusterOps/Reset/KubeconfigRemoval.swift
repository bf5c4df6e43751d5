import Basics
import Foundation
import Yams

/// Takes one cluster out of the workstation's kubeconfig: its context, its cluster and its
/// user (`NAME`, `NAME`, `NAME-admin`, as provision merged them); every other entry stays as it
/// is, and `current-context` is unset only when it named this cluster.
enum KubeconfigRemoval {
  /// What `remove` found.
  enum Outcome: Sendable, Equatable {
    /// The kubeconfig had none of the cluster's entries.
    case absent
    /// The entries were removed.
    case removed
  }

  /// The kubeconfig text without `name`'s entries; nil when it has none.
  static func removing(_ name: String, from text: String) throws -> String? {
    guard !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { return nil }
    var base = try KubeconfigMerge.mapping(text, what: "the kubeconfig")
    var changed = false
    for (key, entry) in [("contexts", name), ("clusters", name), ("users", "\(name)-admin")] {
      guard let list = base[key]?.sequence.map(Array.init) else { continue }
      let kept = list.filter { $0.mapping?["name"]?.string != entry }
      if kept.count != list.count {
        changed = true
        base[key] = Node.sequence(Node.Sequence(kept))
      }
    }
    if base["current-context"]?.string == name {
      base["current-context"] = Node("", Tag(.str), .doubleQuoted)
      changed = true
    }
    guard changed else { return nil }
    return try Yams.serialize(node: .mapping(base), indent: 2, width: -1)
  }

  /// Removes `name`'s entries from the kubeconfig at `path` (under kubectl's lock, the previous
  /// version kept as `FILE.cluster-mgr.bak`).
  static func remove(_ name: String, path: String) throws -> Outcome {
    guard FileManager.default.fileExists(atPath: path) else { return .absent }
    var found = false
    _ = try KubeconfigFile(path: path).update { text in
      guard let removed = try removing(name, from: text) else { return text }
      found = true
      return removed
    }
    return found ? .removed : .absent
  }

  /// Whether the kubeconfig at `path` has a context called `name` (for `reset --check`).
  static func hasContext(_ name: String, path: String) -> Bool {
    guard let text = try? String(contentsOfFile: path, encoding: .utf8),
      let base = try? KubeconfigMerge.mapping(text, what: "the kubeconfig")
    else { return false }
    return base["contexts"]?.sequence?.contains { $0.mapping?["name"]?.string == name } ?? false
  }
}
