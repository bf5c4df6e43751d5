import Basics
import Foundation
import OrderedCollections

/// Host selection with Ansible's pattern language (what `--limit` takes).
///
/// A pattern is terms separated by `,` (or `:`): a host or group name, a glob (`lab-w*`), a
/// regular expression (`~web\d+`), each optionally followed by a subscript (`workers[0]`,
/// `workers[1:3]`). `&term` intersects, `!term` excludes; plain terms are united first, then
/// intersections, then exclusions, as Ansible does.
extension ResolvedInventory {
  /// The hosts a pattern selects, in inventory order within each term.
  ///
  /// A term that matches no host and no group is an error (a typo would otherwise silently select
  /// nothing).
  public func selectHosts(_ pattern: String) throws(InventoryError) -> [String] {
    let terms = Self.splitPattern(pattern)
    guard !terms.isEmpty else {
      throw InventoryError(code: "empty-pattern", "the host pattern '\(pattern)' is empty")
    }
    var regular = terms.filter { !$0.hasPrefix("&") && !$0.hasPrefix("!") }
    let intersections = terms.filter { $0.hasPrefix("&") }
    let exclusions = terms.filter { $0.hasPrefix("!") }
    if regular.isEmpty { regular = ["all"] }
    var selected: [String] = []
    for term in regular + intersections + exclusions {
      if hosts[term] != nil {
        if !selected.contains(term) { selected.append(term) }
        continue
      }
      let matches = try matchTerm(term)
      if term.hasPrefix("!") {
        let excluded = Set(matches)
        selected.removeAll { excluded.contains($0) }
      } else if term.hasPrefix("&") {
        let kept = Set(matches)
        selected.removeAll { !kept.contains($0) }
      } else {
        for host in matches where !selected.contains(host) { selected.append(host) }
      }
    }
    return selected
  }

  /// Ansible's `split_host_pattern`: split at commas; without a comma, a pattern that reads as
  /// an address (`fe80::1`, `web[1:3]`, even `host:22`) is one pattern, anything else is split
  /// at colons outside `[...]`.
  static func splitPattern(_ pattern: String) -> [String] {
    let pieces: [String]
    if pattern.contains(",") {
      pieces = pattern.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
    } else if HostAddress.parse(pattern) != nil {
      pieces = [pattern]
    } else {
      pieces = pattern.matches(of: colonSeparatedTerm).map { String($0.output) }
    }
    return pieces.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty }
  }

  /// A term of a colon-separated pattern: no whitespace, `:`, `[` or `]`, except inside a
  /// complete `[...]`.
  nonisolated(unsafe) private static let colonSeparatedTerm = #/(?:[^\s:\[\]]|\[[^\]]*\])+/#
    .matchingSemantics(.unicodeScalar)

  private func matchTerm(_ term: String) throws(InventoryError) -> [String] {
    var expression = term
    if expression.hasPrefix("&") || expression.hasPrefix("!") { expression.removeFirst() }
    let (body, subscriptRange) = try Self.splitSubscript(expression)
    var results: [String] = []
    var matchingGroups: [String] = []
    for name in groups.keys where try Self.matches(body, name) { matchingGroups.append(name) }
    for group in matchingGroups {
      for host in hosts(inGroup: group) where !results.contains(host) { results.append(host) }
    }
    let special = body.hasPrefix("~") || body.contains { ".?*[".contains($0) }
    if matchingGroups.isEmpty || special {
      for host in hosts.keys where try Self.matches(body, host) {
        if !results.contains(host) { results.append(host) }
      }
    }
    if results.isEmpty, matchingGroups.isEmpty, body != "all" {
      throw InventoryError(
        code: "unknown-pattern",
        "the host pattern '\(term)' matches no host and no group of \(path)",
        remedy: "run `cluster-mgr inventory --graph` to see the names")
    }
    guard let subscriptRange else { return results }
    guard !results.isEmpty else { return results }
    let (start, end) = subscriptRange
    let lower = start < 0 ? results.count + start : start
    let upper = end.map { $0 == -1 ? results.count - 1 : $0 } ?? lower
    guard lower >= 0, lower < results.count, upper >= lower else {
      throw InventoryError(
        code: "pattern-subscript", "no hosts matched the subscripted pattern '\(term)'")
    }
    return Array(results[lower...min(upper, results.count - 1)])
  }

  /// `name[3]` or `name[1:4]` / `name[2:]` → the name and the (start, end) of the subscript.
  static func splitSubscript(_ pattern: String) throws(InventoryError) -> (String, (Int, Int?)?) {
    guard !pattern.hasPrefix("~"), pattern.hasSuffix("]"),
      let open = pattern.lastIndex(of: "["), open != pattern.startIndex
    else { return (pattern, nil) }
    let inside = pattern[pattern.index(after: open)..<pattern.index(before: pattern.endIndex)]
    let body = String(pattern[..<open])
    if let index = Int(inside) { return (body, (index, nil)) }
    let parts = inside.split(separator: ":", omittingEmptySubsequences: false)
    guard parts.count == 2, let start = Int(parts[0]), parts[1].isEmpty || Int(parts[1]) != nil
    else { return (pattern, nil) }
    return (body, (start, parts[1].isEmpty ? -1 : Int(parts[1])!))
  }

  /// A glob (`fnmatch`) or, with a leading `~`, a regular expression matched at the start.
  static func matches(_ pattern: String, _ name: String) throws(InventoryError) -> Bool {
    guard pattern.hasPrefix("~") else { return Glob.matches(pattern, name) }
    do {
      let regex = try Regex(String(pattern.dropFirst()))
      return try regex.prefixMatch(in: name) != nil
    } catch {
      throw InventoryError(
        code: "bad-pattern", "invalid regular expression in '\(pattern)': \(error)")
    }
  }
}
