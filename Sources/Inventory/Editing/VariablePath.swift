/// The key path a dotted variable name stands for.
///
/// `k3s_version` is one key; `a.b.c` is nested keys; in `node_labels.nvidia.com/gpu` everything
/// after the first dot is one label key (label keys contain dots); `"a.b".c` quotes a key that
/// contains dots.
public enum VariablePath {
  /// The keys of `text`, outermost first.
  public static func parse(_ text: String) throws(InventoryError) -> [String] {
    var keys: [String]
    if text.contains("\"") {
      keys = try quoted(text)
    } else if let dot = text.firstIndex(of: "."),
      InventorySchema.spec(String(text[..<dot]))?.rule == .labels
    {
      keys = [String(text[..<dot]), String(text[text.index(after: dot)...])]
    } else {
      keys = text.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
    }
    guard !keys.isEmpty, !keys.contains(where: \.isEmpty) else {
      throw InventoryError(
        code: "bad-key", "'\(text)' is not a variable name",
        remedy: "use dots only between nested keys; quote a key that contains dots: a.\"b.c\"")
    }
    return keys
  }

  private static func quoted(_ text: String) throws(InventoryError) -> [String] {
    var keys: [String] = []
    var current = ""
    var inQuotes = false
    var wasQuoted = false
    for character in text {
      switch character {
      case "\"":
        inQuotes.toggle()
        wasQuoted = true
      case "." where !inQuotes:
        keys.append(current)
        current = ""
        wasQuoted = false
      default:
        current.append(character)
      }
    }
    if inQuotes {
      throw InventoryError(code: "bad-key", "unbalanced quotes in '\(text)'")
    }
    if !current.isEmpty || wasQuoted { keys.append(current) }
    return keys
  }
}
