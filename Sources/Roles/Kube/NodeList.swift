import Engine
import Foundation

/// One probe for every node-related task of a play: `k3s kubectl get nodes -o json`, read once
/// (the engine runs identical probes once) and parsed per node locally.
enum NodeList {
  static let probe = """
    command -v k3s >/dev/null 2>&1 || { echo api=absent; exit 0; }
    if json=$(k3s kubectl get nodes -o json 2>/dev/null); then echo api=up; echo "nodes=$(printf '%s' "$json" | base64 -w0)"
    else echo api=down; fi
    """

  /// The node object called `name`, if the API answered and the node is registered.
  static func node(_ name: String, in section: ProbeSection) -> [String: Any]? {
    guard let data = section.data("nodes"),
      let list = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
      let items = list["items"] as? [[String: Any]]
    else { return nil }
    return items.first { ($0["metadata"] as? [String: Any])?["name"] as? String == name }
  }

  /// Whether the node's Ready condition is True.
  static func isReady(_ node: [String: Any]) -> Bool {
    let conditions = (node["status"] as? [String: Any])?["conditions"] as? [[String: Any]] ?? []
    return conditions.contains {
      $0["type"] as? String == "Ready" && $0["status"] as? String == "True"
    }
  }

  /// The version of the kubelet that runs now.
  static func kubeletVersion(_ node: [String: Any]) -> String? {
    ((node["status"] as? [String: Any])?["nodeInfo"] as? [String: Any])?["kubeletVersion"]
      as? String
  }
}
