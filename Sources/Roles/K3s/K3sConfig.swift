import Basics
import Foundation
import Inventory
import Yams

/// `/etc/rancher/k3s/config.yaml` as a typed, ordered set of keys (flag names), rendered with
/// Yams — never by concatenating YAML text.
struct K3sConfig: Sendable {
  /// A config value.
  enum Value: Sendable, Equatable {
    case string(String)
    case bool(Bool)
    case int(Int)
    case list([String])
    case inventory(InventoryValue)
  }

  private(set) var entries: [(key: String, value: Value)] = []

  /// Sets `key` (replacing an earlier value, keeping its position).
  mutating func set(_ key: String, _ value: Value) {
    if let index = entries.firstIndex(where: { $0.key == key }) {
      entries[index].value = value
    } else {
      entries.append((key, value))
    }
  }

  /// Sets `key` unless `value` is nil or an empty list.
  mutating func set(_ key: String, ifPresent value: String?) {
    if let value, !value.isEmpty { set(key, .string(value)) }
  }

  /// Appends to a list key.
  mutating func append(_ key: String, _ items: [String]) {
    guard !items.isEmpty else { return }
    if let index = entries.firstIndex(where: { $0.key == key }),
      case .list(let old) = entries[index].value
    {
      entries[index].value = .list(old + items)
    } else {
      set(key, .list(items))
    }
  }

  /// Keys whose extra values add to the generated ones instead of replacing them: the
  /// reservations cluster-mgr writes as `kubelet-arg` stay, and kubelet takes the last value of
  /// a repeated flag, so an extra `kube-reserved=` still wins.
  static let additiveKeys: Set<String> = ["kubelet-arg"]

  /// Sets `key` from the inventory's extras: appended for ``additiveKeys``, replaced otherwise.
  mutating func merge(_ key: String, _ value: Value) {
    if Self.additiveKeys.contains(key), let items = Self.strings(value) {
      append(key, items)
    } else {
      set(key, value)
    }
  }

  /// A value as a list of strings (a single string is a one-item list); nil for anything else.
  static func strings(_ value: Value) -> [String]? {
    switch value {
    case .string(let text): return [text]
    case .list(let items): return items
    case .inventory(.string(let text)): return [text]
    case .inventory(.list(let items)):
      let texts = items.compactMap(\.stringValue)
      return texts.count == items.count ? texts : nil
    default: return nil
    }
  }

  /// The value of `key`.
  subscript(key: String) -> Value? { entries.first { $0.key == key }?.value }

  /// The YAML text, with a header comment.
  func yaml(header: String) throws -> String {
    let node = Node.mapping(Node.Mapping(entries.map { (Node($0.key), Self.node($0.value)) }))
    return "# " + header + "\n" + (try Yams.serialize(node: node, indent: 2, width: -1))
  }

  static func node(_ value: Value) -> Node {
    switch value {
    case .string(let text): return Node(text, .implicit, .doubleQuoted)
    case .bool(let flag): return Node(flag ? "true" : "false")
    case .int(let number): return Node(String(number))
    case .list(let items): return Node(items.map { Node($0, .implicit, .doubleQuoted) })
    case .inventory(let value): return node(value)
    }
  }

  static func node(_ value: InventoryValue) -> Node {
    switch value {
    case .string(let text): return Node(text, .implicit, .doubleQuoted)
    case .int(let number): return Node(String(number))
    case .double(let number): return Node(String(number))
    case .bool(let flag): return Node(flag ? "true" : "false")
    case .null: return Node("null")
    case .list(let items): return Node(items.map(node))
    case .map(let pairs): return Node(pairs.map { (Node($0.key), node($0.value)) })
    }
  }
}

extension K3sConfig {
  /// Parses k3s-ansible style `extra_server_args` (`--disable=traefik --node-label a=b --flag`)
  /// into config keys: repeated flags become lists, bare flags `true`.
  static func flags(_ text: String) throws -> [(String, Value)] {
    var words: [String] = []
    var current = ""
    var quote: Character?
    for ch in text {
      if let q = quote {
        if ch == q { quote = nil } else { current.append(ch) }
      } else if ch == "'" || ch == "\"" {
        quote = ch
      } else if ch.isWhitespace {
        if !current.isEmpty { words.append(current); current = "" }
      } else {
        current.append(ch)
      }
    }
    if !current.isEmpty { words.append(current) }
    var result: [(String, Value)] = []
    var index = 0
    func add(_ key: String, _ value: String?) {
      if let existing = result.firstIndex(where: { $0.0 == key }) {
        var items: [String] = []
        switch result[existing].1 {
        case .list(let old): items = old
        case .string(let old): items = [old]
        default: break
        }
        result[existing].1 = .list(items + [value ?? "true"])
      } else {
        result.append((key, value.map { .string($0) } ?? .bool(true)))
      }
    }
    while index < words.count {
      let word = words[index]
      guard word.hasPrefix("--") else {
        throw K3sConfigError(
          message: "in extra args, expected a --flag but found \(PrintableText.quoted(word))")
      }
      let body = String(word.dropFirst(2))
      let name = body.split(separator: "=", maxSplits: 1).first.map(String.init) ?? ""
      guard name.wholeMatch(of: #/[a-z0-9][a-z0-9-]*/#) != nil else {
        throw K3sConfigError(
          message:
            "in extra args, \(PrintableText.quoted(word)) is not a K3s flag (--name or --name=value)"
        )
      }
      if let eq = body.firstIndex(of: "=") {
        add(String(body[..<eq]), String(body[body.index(after: eq)...]))
      } else if index + 1 < words.count, !words[index + 1].hasPrefix("--") {
        add(body, words[index + 1])
        index += 1
      } else {
        add(body, nil)
      }
      index += 1
    }
    return result
  }
}

/// A K3s setting that cannot be expressed.
struct K3sConfigError: Error, CustomStringConvertible {
  let message: String
  var description: String { message }
}
