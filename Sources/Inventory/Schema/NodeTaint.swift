import OrderedCollections

/// A taint from `node_taints`: `key=value:Effect` (or `key:Effect`), or a mapping with
/// `key`, `value` and `effect` (Kubani's form).
public struct NodeTaint: Hashable, Sendable, CustomStringConvertible {
  /// The three effects Kubernetes knows.
  public enum Effect: String, Hashable, Sendable, CaseIterable {
    case noSchedule = "NoSchedule"
    case preferNoSchedule = "PreferNoSchedule"
    case noExecute = "NoExecute"
  }

  /// The taint key (label-key syntax).
  public var key: String
  /// The value (label-value syntax); nil when absent.
  public var value: String?
  /// What the taint does to pods that do not tolerate it.
  public var effect: Effect

  /// A taint.
  public init(key: String, value: String?, effect: Effect) {
    self.key = key
    self.value = value
    self.effect = effect
  }

  /// `key=value:Effect`, as `kubectl taint` and k3s `--node-taint` take it.
  public var description: String {
    key + (value.map { "=\($0)" } ?? "") + ":" + effect.rawValue
  }

  /// Reads one entry of `node_taints`; the error says what is wrong with it.
  public static func parse(_ entry: InventoryValue) -> Result<NodeTaint, NodeTaintError> {
    switch entry {
    case .string(let text): return parse(text)
    case .map(let map):
      guard let key = map["key"]?.stringValue else {
        return .failure(NodeTaintError(message: "a taint mapping needs a string 'key'"))
      }
      let value: String?
      switch map["value"] {
      case nil, .null?: value = nil
      case .string(let string)?: value = string
      case .int(let int)?: value = String(int)
      case .bool(let bool)?: value = bool ? "true" : "false"
      default: return .failure(NodeTaintError(message: "the taint value must be a string"))
      }
      guard let effectText = map["effect"]?.stringValue else {
        return .failure(NodeTaintError(message: "a taint mapping needs an 'effect'"))
      }
      return make(key: key, value: value, effect: effectText)
    default:
      return .failure(
        NodeTaintError(
          message: "a taint must be 'key=value:Effect' or a mapping, found a \(entry.typeName)"))
    }
  }

  /// Reads `key=value:Effect` or `key:Effect`.
  public static func parse(_ text: String) -> Result<NodeTaint, NodeTaintError> {
    guard let colon = text.lastIndex(of: ":") else {
      return .failure(
        NodeTaintError(message: "taint '\(text)' has no effect; write key=value:NoSchedule"))
    }
    let effect = String(text[text.index(after: colon)...])
    let keyValue = text[..<colon]
    if let equals = keyValue.firstIndex(of: "=") {
      return make(
        key: String(keyValue[..<equals]), value: String(keyValue[keyValue.index(after: equals)...]),
        effect: effect)
    }
    return make(key: String(keyValue), value: nil, effect: effect)
  }

  private static func make(key: String, value: String?, effect: String) -> Result<
    NodeTaint, NodeTaintError
  > {
    guard let parsedEffect = Effect(rawValue: effect) else {
      let choices = Effect.allCases.map(\.rawValue).joined(separator: ", ")
      return .failure(
        NodeTaintError(message: "taint effect '\(effect)' must be one of \(choices)"))
    }
    if let problem = ValueRules.labelKeyProblem(key) {
      return .failure(NodeTaintError(message: "taint " + problem))
    }
    if let value, let problem = ValueRules.labelValueProblem(value) {
      return .failure(NodeTaintError(message: "taint " + problem))
    }
    return .success(NodeTaint(key: key, value: value, effect: parsedEffect))
  }
}

/// Why an entry of `node_taints` is not a taint.
public struct NodeTaintError: Error, Hashable, Sendable {
  /// What is wrong.
  public var message: String
}
