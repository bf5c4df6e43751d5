import Foundation

/// Field-level comparison of Kubernetes objects: whether the live object already has every field
/// of the desired one, and which fields differ between two versions of an object.
public enum FieldDiff {
  /// One field that differs.
  public struct Change: Sendable, Hashable {
    /// The field, e.g. `spec.template.spec.containers[name=plugin].image`, `data.config.yaml`.
    public var path: String
    /// Its value before (nil: absent).
    public var old: JSONValue?
    /// Its value after (nil: absent).
    public var new: JSONValue?
    /// A Secret's data: values are never shown.
    public var secret: Bool

    /// Creates a change.
    public init(path: String, old: JSONValue?, new: JSONValue?, secret: Bool = false) {
      self.path = path
      self.old = old
      self.new = new
      self.secret = secret
    }

    /// `path: old → new`, one line (secret values never shown).
    public var summary: String {
      if secret { return "\(path): changed (secret, not shown)" }
      return "\(path): \(FieldDiff.short(old)) → \(FieldDiff.short(new))"
    }
  }

  /// Whether `live` has every field of `desired` with the same value (maps compared member by
  /// member, lists element by element): what the server adds (defaults, status, metadata) does
  /// not count.
  public static func contains(_ desired: JSONValue, in live: JSONValue?) -> Bool {
    guard let live else { return false }
    switch (desired, live) {
    case (.object(let want), .object(let have)):
      return want.allSatisfy { key, value in contains(value, in: have[key]) }
    case (.array(let want), .array(let have)):
      return want.count == have.count && zip(want, have).allSatisfy { contains($0, in: $1) }
    case (.int(let a), .double(let b)), (.double(let b), .int(let a)):
      return Double(a) == b
    default:
      return desired == live
    }
  }

  /// Whether `manager`'s last server-side apply of `live` set a field that `desired` no longer
  /// has (found in `metadata.managedFields`): such a field is removed by the next apply, so the
  /// live object is not as desired even when it has every field of `desired`. Only map fields
  /// are followed; list items (`k:`, `v:`, `i:`) are compared by ``contains(_:in:)``.
  public static func appliedFieldsDropped(
    _ desired: JSONValue, in live: JSONValue, manager: String
  ) -> Bool {
    let entries = live[path: ["metadata", "managedFields"]]?.array ?? []
    guard
      let entry = entries.first(where: {
        $0["manager"]?.string == manager && $0["operation"]?.string == "Apply"
          && ($0["subresource"]?.string ?? "").isEmpty
      }), let fields = entry["fieldsV1"]
    else { return false }
    return dropped(fields, desired)
  }

  private static func dropped(_ fields: JSONValue, _ desired: JSONValue) -> Bool {
    guard case .object(let owned) = fields, case .object(let want) = desired else { return false }
    for (key, sub) in owned where key.hasPrefix("f:") {
      let name = String(key.dropFirst(2))
      guard let value = want[name] else {
        // apiVersion and kind are never owned; anything else set before and not now is dropped.
        return true
      }
      if dropped(sub, value) { return true }
    }
    return false
  }

  /// Every field that differs between `old` and `new`, in path order; server bookkeeping
  /// (resourceVersion, managedFields, generation, status) is left out. Under a Secret's `data`
  /// and `stringData` only the key is reported.
  public static func changes(from old: JSONValue?, to new: JSONValue?) -> [Change] {
    let secret = (new ?? old)?["kind"]?.string == "Secret"
    var found: [Change] = []
    walk(old.map(comparable), new.map(comparable), path: "", secret: secret, into: &found)
    return found
  }

  /// The object without what the server keeps for itself.
  static func comparable(_ object: JSONValue) -> JSONValue {
    var copy = object.setting("status", to: nil)
    for key in ["resourceVersion", "managedFields", "generation", "uid", "creationTimestamp"] {
      copy = copy.setting(path: ["metadata", key], to: nil)
    }
    return copy
  }

  private static func walk(
    _ old: JSONValue?, _ new: JSONValue?, path: String, secret: Bool, into found: inout [Change]
  ) {
    if old == new { return }
    let secretField = secret && (path.hasPrefix("data.") || path.hasPrefix("stringData."))
    switch (old, new) {
    case (.object(let a)?, .object(let b)?) where !secretField:
      for key in Set(a.keys).union(b.keys).sorted() {
        walk(a[key], b[key], path: join(path, key), secret: secret, into: &found)
      }
    case (.array(let a)?, .array(let b)?) where keyed(a) && keyed(b):
      let names = ordered(a.compactMap { $0["name"]?.string } + b.compactMap { $0["name"]?.string })
      for name in names {
        walk(
          a.first { $0["name"]?.string == name }, b.first { $0["name"]?.string == name },
          path: path + "[name=\(name)]", secret: secret, into: &found)
      }
    case (.array(let a)?, .array(let b)?) where a.count == b.count:
      for index in a.indices {
        walk(a[index], b[index], path: path + "[\(index)]", secret: secret, into: &found)
      }
    default:
      found.append(Change(path: path, old: old, new: new, secret: secretField))
    }
  }

  /// Lists of objects that all have a `name` (containers, env, volumes): matched by name.
  private static func keyed(_ list: [JSONValue]) -> Bool {
    !list.isEmpty && list.allSatisfy { $0["name"]?.string != nil }
  }

  private static func ordered(_ names: [String]) -> [String] {
    var seen = Set<String>()
    return names.filter { seen.insert($0).inserted }
  }

  private static func join(_ path: String, _ key: String) -> String {
    path.isEmpty ? key : "\(path).\(key)"
  }

  /// A value in at most 80 characters, on one line.
  static func short(_ value: JSONValue?) -> String {
    guard let value else { return "(absent)" }
    var text: String
    if case .string(let string) = value { text = string } else { text = value.text }
    text = text.replacingOccurrences(of: "\n", with: "⏎")
    return text.count > 80 ? String(text.prefix(79)) + "…" : text
  }
}
