/// Shell-style wildcard matching with the semantics of Python's `fnmatch.fnmatchcase`
/// (what Ansible uses for host patterns).
///
/// `*` matches any run of characters (including none, and including `/` and `.`), `?` matches
/// exactly one character, `[abc]` / `[a-z]` match one character of the set, `[!abc]` one
/// character not in the set. Matching is case-sensitive and covers the whole name. A `[` without
/// a closing `]` matches a literal `[`.
public enum Glob {
  /// True when `name` matches the wildcard `pattern` in full.
  public static func matches(_ pattern: String, _ name: String) -> Bool {
    let tokens = compile(Array(pattern.unicodeScalars))
    return match(tokens[...], Array(name.unicodeScalars)[...])
  }

  /// True when `pattern` contains a wildcard character (`*`, `?` or `[`).
  public static func hasWildcards(_ pattern: String) -> Bool {
    pattern.contains { $0 == "*" || $0 == "?" || $0 == "[" }
  }

  private enum Token {
    case literal(Unicode.Scalar)
    case any
    case anyRun
    case set(negated: Bool, items: [ClosedRange<Unicode.Scalar>])

    func accepts(_ scalar: Unicode.Scalar) -> Bool {
      switch self {
      case .literal(let expected): return scalar == expected
      case .any: return true
      case .anyRun: return true
      case .set(let negated, let items):
        return items.contains { $0.contains(scalar) } != negated
      }
    }
  }

  private static func compile(_ pattern: [Unicode.Scalar]) -> [Token] {
    var tokens: [Token] = []
    var index = 0
    while index < pattern.count {
      let scalar = pattern[index]
      switch scalar {
      case "*":
        if case .anyRun? = tokens.last {} else { tokens.append(.anyRun) }
        index += 1
      case "?":
        tokens.append(.any)
        index += 1
      case "[":
        if let (set, next) = compileSet(pattern, from: index) {
          tokens.append(set)
          index = next
        } else {
          tokens.append(.literal("["))
          index += 1
        }
      default:
        tokens.append(.literal(scalar))
        index += 1
      }
    }
    return tokens
  }

  /// Parses `[...]` starting at `start` (the `[`); nil when there is no closing `]`.
  private static func compileSet(_ pattern: [Unicode.Scalar], from start: Int) -> (Token, Int)? {
    var index = start + 1
    var negated = false
    if index < pattern.count, pattern[index] == "!" {
      negated = true
      index += 1
    }
    // A `]` right after `[` or `[!` is a member, as in fnmatch.
    var items: [ClosedRange<Unicode.Scalar>] = []
    var first = true
    while index < pattern.count {
      let scalar = pattern[index]
      if scalar == "]" && !first {
        return (.set(negated: negated, items: items), index + 1)
      }
      first = false
      if index + 2 < pattern.count, pattern[index + 1] == "-", pattern[index + 2] != "]" {
        let low = scalar
        let high = pattern[index + 2]
        if low <= high { items.append(low...high) }
        index += 3
      } else {
        items.append(scalar...scalar)
        index += 1
      }
    }
    return nil
  }

  private static func match(_ tokens: ArraySlice<Token>, _ name: ArraySlice<Unicode.Scalar>) -> Bool
  {
    var tokenIndex = tokens.startIndex
    var nameIndex = name.startIndex
    // Backtracking point for the most recent `*`.
    var starToken: Int?
    var starName = name.startIndex
    while nameIndex < name.endIndex {
      if tokenIndex < tokens.endIndex {
        if case .anyRun = tokens[tokenIndex] {
          starToken = tokenIndex
          starName = nameIndex
          tokenIndex += 1
          continue
        }
        if tokens[tokenIndex].accepts(name[nameIndex]) {
          tokenIndex += 1
          nameIndex += 1
          continue
        }
      }
      guard let star = starToken else { return false }
      tokenIndex = star + 1
      starName += 1
      nameIndex = starName
    }
    while tokenIndex < tokens.endIndex {
      guard case .anyRun = tokens[tokenIndex] else { return false }
      tokenIndex += 1
    }
    return true
  }
}
