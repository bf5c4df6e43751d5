/// One progress line per drain event (`remove-node`'s output).
public enum DrainProgressText {
  /// The line for `progress`.
  public static func line(_ progress: NodeDrain.Progress) -> String {
    switch progress {
    case .cordoned(let node): return "cordoned \(node)"
    case .skipped(let pod, let reason): return "left \(pod): \(reason)"
    case .evicting(let pod): return "evicting \(pod)"
    case .blocked(let pod, let message):
      return "\(pod) not evicted yet (will retry): \(message)"
    case .evicted(let pod): return "evicted \(pod)"
    case .drained(let node): return "\(node) drained"
    }
  }
}
