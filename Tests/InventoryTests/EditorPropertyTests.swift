import ClusterMgrTesting
import Foundation
import Inventory
import OrderedCollections
import PropertyBased
import Testing

/// Random inventories (indentation 2 or 4, lists indented or not, CRLF or LF, comments and blank
/// lines, block and flow mappings) and random sequences of add-host, remove-host, set and unset,
/// each run through the `cluster-mgr` binary.
///
/// After every step: the file parses, it resolves to the model the test keeps on the side, and the
/// lines that changed all lie in the block of the entry the operation targets (every other line is
/// byte-identical).
@Suite struct EditorPropertyTests {
  @Test func randomEditSequencesKeepEverythingElse() async throws {
    // INVENTORY_PROPERTY_COUNT raises the number of cases for a longer local run.
    let count =
      ProcessInfo.processInfo.environment["INVENTORY_PROPERTY_COUNT"].flatMap { Int($0) } ?? 40
    await propertyCheck(count: count, input: Gen.uint64(in: 0...UInt64.max)) { seed in
      do {
        try Self.run(seed: seed)
      } catch {
        Issue.record("seed \(seed): \(error)")
      }
    }
  }

  static func run(seed: UInt64) throws {
    var random = SplitMix(seed: seed)
    var model = Model.random(&random)
    let style = Style(
      unit: random.pick([2, 4]), listOffset: random.pick([0, 1]), crlf: random.chance(0.2),
      flowMaps: random.chance(0.3))
    let scratch = try ScratchDirectory()
    defer { scratch.remove() }
    let path = try scratch.write("hosts.yml", model.render(style, &random))
    try check(model, path: path, context: "seed \(seed), initial")

    for step in 0..<random.int(1...5) {
      let old = try scratch.read("hosts.yml")
      let operation = Operation.random(model, &random)
      let context = "seed \(seed), step \(step): \(operation)"
      let words = operation.commandWords
      let result = try CLI.run(
        Array(operation.arguments.prefix(words)) + ["-i", path]
          + operation.arguments.dropFirst(words))
      let new = try scratch.read("hosts.yml")
      if operation.isRefused(by: model) {
        #expect(result.status == 2, "\(context) must be refused")
        #expect(new == old, "\(context): a refused edit changed the file")
        continue
      }
      try #require(result.status == 0, "\(context): \(result.stderr)\n\(old)")
      model.apply(operation)
      try check(model, path: path, context: context + "\n" + new)
      let region = try #require(operation.region(in: old), "\(context): no target block in\n\(old)")
      let window = changedWindow(old, new)
      #expect(
        old == new
          || window.lowerBound >= region.lowerBound && window.upperBound <= region.upperBound,
        "\(context): lines \(window) changed, only \(region) may\n--- old\n\(old)\n--- new\n\(new)")
    }
  }

  /// The file resolves to the model: memberships in order and each scope's own variables.
  static func check(_ model: Model, path: String, context: String) throws {
    let inventory = try InventoryLoader.load(path: path)
    #expect(
      inventory.group("all")?.inlineVariables.mapValues(\.value) == model.allVars,
      "\(context): all vars")
    for (name, group) in model.groups {
      #expect(
        inventory.group(name)?.hosts ?? [] == Array(group.hosts.keys), "\(context): \(name) hosts")
      #expect(
        inventory.group(name)?.inlineVariables.mapValues(\.value) ?? [:] == group.vars,
        "\(context): \(name) vars")
      for (host, variables) in group.hosts {
        #expect(
          inventory.host(host)?.inlineVariables.mapValues(\.value) == variables,
          "\(context): \(host) vars")
        var merged = model.allVars
        merged.merge(group.vars) { $1 }
        merged.merge(variables) { $1 }
        #expect(inventory.hostVars(host) == merged, "\(context): \(host) merged vars")
      }
    }
    #expect(inventory.hosts.count == model.groups.values.map(\.hosts.count).reduce(0, +))
  }

  /// Old-line indices of the smallest window outside of which both texts agree line by line
  /// (a half-open range; empty for a pure insertion).
  static func changedWindow(_ old: String, _ new: String) -> Range<Int> {
    let a = lines(old)
    let b = lines(new)
    var prefix = 0
    while prefix < a.count, prefix < b.count, a[prefix] == b[prefix] { prefix += 1 }
    var suffix = 0
    while suffix < a.count - prefix, suffix < b.count - prefix,
      a[a.count - 1 - suffix] == b[b.count - 1 - suffix]
    {
      suffix += 1
    }
    return prefix..<(a.count - suffix)
  }

  /// Lines split at the scalar "\n" (a "\r\n" Character would not split), "\r" kept.
  static func lines(_ text: String) -> [String] {
    text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false).map {
      String(String.UnicodeScalarView($0))
    }
  }
}

// MARK: - The model

/// What the inventory must say: `all` vars, and per group its vars and hosts with their vars.
struct Model {
  struct Group {
    var vars: OrderedDictionary<String, InventoryValue> = [:]
    var hosts: OrderedDictionary<String, OrderedDictionary<String, InventoryValue>> = [:]
  }

  var allVars: OrderedDictionary<String, InventoryValue> = [:]
  var groups: OrderedDictionary<String, Group> = [:]
  var nextHost = 1

  static let groupNames = ["control_plane", "workers", "storage"]

  static func random(_ random: inout SplitMix) -> Model {
    var model = Model()
    for _ in 0..<random.int(0...3) {
      let (key, value) = Values.variable(&random)
      model.allVars[key] = value
    }
    for name in groupNames.prefix(random.int(2...3)) {
      var group = Group()
      if random.chance(0.3) {
        // k3s_version is cluster-wide: set for a group of servers or agents alone it would make
        // the cluster's hosts disagree, which the inventory refuses (cluster-setting-differs).
        let (key, value) = Values.variable(&random)
        if key != "k3s_version" { group.vars[key] = value }
      }
      for _ in 0..<random.int(name == "control_plane" ? 1...3 : 0...3) {
        let name = model.newHostName()
        group.hosts[name] = Values.hostVariables(&random, number: Int(name.dropFirst())!)
      }
      model.groups[name] = group
    }
    return model
  }

  mutating func newHostName() -> String {
    defer { nextHost += 1 }
    return "h\(nextHost)"
  }

  var hostNames: [String] { groups.values.flatMap(\.hosts.keys) }

  func group(of host: String) -> String? {
    groups.first { $0.value.hosts[host] != nil }?.key
  }

  mutating func apply(_ operation: Operation) {
    switch operation {
    case .addHost(let name, let group, let variables):
      if groups[group] == nil { groups[group] = Group() }
      groups[group]!.hosts[name] = variables
      nextHost = max(nextHost, Int(name.dropFirst())! + 1)
    case .removeHost(let name):
      if let group = group(of: name) { groups[group]!.hosts.removeValue(forKey: name) }
    case .set(let scope, let path, let value):
      update(scope) { variables in
        if path.count == 1 {
          variables[path[0]] = value
        } else {
          var map = variables[path[0]]?.mapValue ?? [:]
          map[path[1]] = value
          variables[path[0]] = .map(map)
        }
      }
    case .unset(let scope, let path):
      update(scope) { variables in
        if path.count == 1 {
          variables.removeValue(forKey: path[0])
        } else if var map = variables[path[0]]?.mapValue {
          map.removeValue(forKey: path[1])
          variables[path[0]] = .map(map)
        }
      }
    }
  }

  mutating func update(
    _ scope: Scope, _ change: (inout OrderedDictionary<String, InventoryValue>) -> Void
  ) {
    switch scope {
    case .all: change(&allVars)
    case .group(let name): change(&groups[name]!.vars)
    case .host(let name): change(&groups[group(of: name)!]!.hosts[name]!)
    }
  }

  func variables(_ scope: Scope) -> OrderedDictionary<String, InventoryValue> {
    switch scope {
    case .all: return allVars
    case .group(let name): return groups[name]?.vars ?? [:]
    case .host(let name): return groups[group(of: name)!]!.hosts[name]!
    }
  }
}

/// The test's own way of writing an inventory (independent of the editor's renderer).
struct Style {
  var unit: Int
  /// 0: `key:\n- item`; 1: `key:\n  - item` (one unit).
  var listOffset: Int
  var crlf: Bool
  var flowMaps: Bool
}

extension Model {
  func render(_ style: Style, _ random: inout SplitMix) -> String {
    var lines = ["# generated inventory", "all:"]
    func pad(_ level: Int) -> String { String(repeating: " ", count: level * style.unit) }
    func emit(_ key: String, _ value: InventoryValue, level: Int) {
      let keyText = YAMLText.key(key)
      switch value {
      case .map(let map) where !map.isEmpty && !style.flowMaps:
        lines.append(pad(level) + keyText + ":")
        for (childKey, child) in map { emit(childKey, child, level: level + 1) }
      case .list(let items) where !items.isEmpty && items.allSatisfy({ $0.mapValue == nil }):
        lines.append(pad(level) + keyText + ":")
        let dash = pad(level) + String(repeating: " ", count: style.listOffset * style.unit)
        for item in items { lines.append(dash + "- " + JSONText.compact(item)) }
      default:
        lines.append(pad(level) + keyText + ": " + JSONText.compact(value))
      }
    }
    if !allVars.isEmpty {
      lines.append(pad(1) + "vars:")
      for (key, value) in allVars { emit(key, value, level: 2) }
    }
    lines.append(pad(1) + "children:")
    for (name, group) in groups {
      lines.append(pad(2) + name + ":")
      if !group.vars.isEmpty {
        lines.append(pad(3) + "vars:")
        for (key, value) in group.vars { emit(key, value, level: 4) }
      }
      lines.append(pad(3) + "hosts:")
      for (index, (host, variables)) in group.hosts.enumerated() {
        if index > 0, random.chance(0.3) { lines.append("") }
        if random.chance(0.4) { lines.append(pad(4) + "# about \(host)") }
        lines.append(pad(4) + host + ":" + (random.chance(0.2) ? "   # trailing" : ""))
        for (key, value) in variables { emit(key, value, level: 5) }
      }
    }
    let newline = style.crlf ? "\r\n" : "\n"
    return lines.joined(separator: newline) + newline
  }
}

/// Plain-or-quoted spelling of keys for the generated files.
enum YAMLText {
  static func key(_ key: String) -> String {
    ["on", "yes", "null", "1"].contains(key) || key.contains(" ") ? JSONText.quoted(key) : key
  }
}

// MARK: - Values

enum Values {
  static let tricky: [InventoryValue] = [
    "plain", "yes", "no", "on", "null", "~", "1.0", "017", "1:30", "", " padded ", "a: b", "x #y",
    "#hash", "- dash", "ünïcødé ✓", "line\nbreak", "tab\there", "quote \" and ' both", "{not: map}",
    "[1]", "v1.31.4+k3s1", 42, -7, 0, 3.5, true, false, .null,
  ]

  static func variable(_ random: inout SplitMix) -> (String, InventoryValue) {
    switch random.int(0...7) {
    case 0: return ("k3s_version", .string("v1.3\(random.int(0...9)).\(random.int(0...9))+k3s1"))
    case 1: return ("reserved_cpu", random.pick(["1", "2", "500m"]))
    case 2: return ("node_labels", labels(&random))
    case 3:
      return (
        "node_taints",
        .list(random.pick([["a=b:NoSchedule"], ["x:NoExecute", "y=1:PreferNoSchedule"]]))
      )
    case 4: return ("gpu", .bool(random.chance(0.5)))
    case 5: return ("custom_list", .list((0..<random.int(0...3)).map { _ in random.pick(tricky) }))
    default:
      return (random.pick(["note", "rack", "owner", "on", "weird key"]), random.pick(tricky))
    }
  }

  static func labels(_ random: inout SplitMix) -> InventoryValue {
    var map: OrderedDictionary<String, InventoryValue> = [:]
    for _ in 0..<random.int(0...2) {
      map[random.pick(["zone", "tier", "example.com/role"])] = random.pick(["a", "b-1", "true"])
    }
    return .map(map)
  }

  /// Variables for host `h<number>`; its address is unique: 100.64.0.<number>.
  static func hostVariables(_ random: inout SplitMix, number: Int) -> OrderedDictionary<
    String, InventoryValue
  > {
    var variables: OrderedDictionary<String, InventoryValue> = [:]
    if random.chance(0.8) { variables["ansible_host"] = .string("100.64.0.\(number)") }
    for _ in 0..<random.int(0...3) {
      let (key, value) = variable(&random)
      if key != "k3s_version" { variables[key] = value }
    }
    return variables
  }
}

// MARK: - Operations

enum Scope: CustomStringConvertible {
  case all
  case group(String)
  case host(String)

  var argument: String {
    switch self {
    case .all: return "all"
    case .group(let name), .host(let name): return name
    }
  }

  var description: String { argument }

  var isAll: Bool {
    if case .all = self { return true }
    return false
  }
}

enum Operation: CustomStringConvertible {
  case addHost(name: String, group: String, variables: OrderedDictionary<String, InventoryValue>)
  case removeHost(String)
  case set(Scope, [String], InventoryValue)
  case unset(Scope, [String])

  static func random(_ model: Model, _ random: inout SplitMix) -> Operation {
    var model = model
    let hosts = model.hostNames
    switch random.int(0...9) {
    case 0...1:
      let name = model.newHostName()
      return .addHost(
        name: name, group: random.pick(Model.groupNames),
        variables: Values.hostVariables(&random, number: Int(name.dropFirst())!))
    case 2 where !hosts.isEmpty:
      return .removeHost(random.pick(hosts))
    default:
      let scope = randomScope(model, &random)
      let existing = Array(model.variables(scope).keys)
      if random.chance(0.35), !existing.isEmpty {
        let key = random.pick(existing)
        if key == "node_labels", let labels = model.variables(scope)[key]?.mapValue,
          !labels.isEmpty,
          random.chance(0.5)
        {
          return .unset(scope, [key, random.pick(Array(labels.keys))])
        }
        return .unset(scope, [key])
      }
      if random.chance(0.25) {
        let current = model.variables(scope)["node_labels"]
        if current == nil || current?.mapValue != nil {
          return .set(
            scope, ["node_labels", random.pick(["zone", "tier", "new"])],
            random.pick(["x", "true", "b-2"]))
        }
      }
      var (key, value) = Values.variable(&random)
      // k3s_version is cluster-wide: only `all` may set it without the cluster's hosts disagreeing.
      if key == "k3s_version", !scope.isAll { key = "note" }
      return .set(scope, [key], value)
    }
  }

  static func randomScope(_ model: Model, _ random: inout SplitMix) -> Scope {
    switch random.int(0...2) {
    case 0: return .all
    case 1: return .group(random.pick(Array(model.groups.keys)))
    default:
      let hosts = model.hostNames
      return hosts.isEmpty ? .all : .host(random.pick(hosts))
    }
  }

  /// The edit must be refused: removing the last server would leave no control plane.
  func isRefused(by model: Model) -> Bool {
    guard case .removeHost(let name) = self else { return false }
    return model.group(of: name) == "control_plane"
      && model.groups["control_plane"]!.hosts.count == 1
  }

  var arguments: [String] {
    switch self {
    case .addHost(let name, let group, let variables):
      return ["inventory", "add-host", name, "--group", group]
        + variables.flatMap { ["--var", "\($0.key):=\(JSONText.compact($0.value))"] }
    case .removeHost(let name):
      return ["inventory", "remove-host", name]
    case .set(let scope, let path, let value):
      // `--` so that values like -7 are not read as options.
      return [
        "config-set", "--type", "json", "--scope", scope.argument, "--",
        path.joined(separator: "."),
        JSONText.compact(value),
      ]
    case .unset(let scope, let path):
      return ["config-set", path.joined(separator: "."), "--unset", "--scope", scope.argument]
    }
  }

  var description: String { arguments.joined(separator: " ") }

  /// How many leading words name the (sub)command; options may follow them.
  var commandWords: Int {
    switch self {
    case .addHost, .removeHost: return 2
    case .set, .unset: return 1
    }
  }

  /// The old-line indices (half-open) the operation may change, found by indentation alone.
  func region(in text: String) -> Range<Int>? {
    let scanner = BlockScanner(text)
    switch self {
    case .addHost(_, let group, _):
      if let hosts = scanner.block(["all", "children", group, "hosts"]) {
        return hosts.lowerBound..<hosts.upperBound + 1
      }
      if let block = scanner.block(["all", "children", group]) {
        return block.lowerBound..<block.upperBound + 1
      }
      // A new group goes at the end of all.children.
      guard let children = scanner.block(["all", "children"]) else { return nil }
      return children.upperBound..<children.upperBound + 1
    case .removeHost(let name):
      guard let path = scanner.path(ofHost: name), let block = scanner.block(path) else {
        return nil
      }
      return max(0, block.lowerBound - 2)..<min(scanner.lines.count, block.upperBound + 1)
    case .set(let scope, _, _), .unset(let scope, _):
      let path: [String]?
      switch scope {
      case .all: path = ["all"]
      case .group(let name): path = ["all", "children", name]
      case .host(let name): path = scanner.path(ofHost: name)
      }
      guard let path, let block = scanner.block(path) else { return nil }
      if case .host = scope { return block.lowerBound..<block.upperBound + 1 }
      // A scope's variables live in its `vars:` block, or a new one at the end of the scope.
      if let vars = scanner.block(path + ["vars"]) { return vars.lowerBound..<vars.upperBound + 1 }
      return block.upperBound..<block.upperBound + 1
    }
  }
}

/// Finds block entries by indentation in the generated files (block style keys, one per line).
struct BlockScanner {
  let lines: [String]

  init(_ text: String) {
    lines = EditorPropertyTests.lines(text).map { $0.hasSuffix("\r") ? String($0.dropLast()) : $0 }
  }

  func indent(_ index: Int) -> Int { lines[index].prefix { $0 == " " }.count }

  func isContent(_ index: Int) -> Bool {
    let trimmed = lines[index].trimmingCharacters(in: .whitespaces)
    return !trimmed.isEmpty && !trimmed.hasPrefix("#")
  }

  func keyName(_ index: Int) -> String? {
    let trimmed = lines[index].trimmingCharacters(in: .whitespaces)
    guard isContent(index), !trimmed.hasPrefix("-"), let colon = trimmed.firstIndex(of: ":") else {
      return nil
    }
    return String(trimmed[..<colon])
  }

  /// Lines of the entry at `path`: its key line through its last deeper line (inclusive range
  /// as lower..<upper where upper is the index after the last line).
  func block(_ path: [String]) -> Range<Int>? {
    var start = 0
    var end = lines.count
    var parentIndent = -1
    var found: Range<Int>?
    for key in path {
      found = nil
      // Direct children only: keys at the indentation of the first content line.
      guard let first = (start..<end).first(where: { isContent($0) && indent($0) > parentIndent })
      else { return nil }
      let childIndent = indent(first)
      var index = start
      while index < end {
        if isContent(index), indent(index) == childIndent, keyName(index) == key {
          let keyIndent = indent(index)
          var last = index
          var next = index + 1
          while next < end {
            if isContent(next) || lines[next].trimmingCharacters(in: .whitespaces).hasPrefix("#") {
              if indent(next) <= keyIndent { break }
              last = next
            }
            next += 1
          }
          found = index..<(last + 1)
          start = index + 1
          end = last + 1
          parentIndent = keyIndent
          break
        }
        index += 1
      }
      if found == nil { return nil }
    }
    return found
  }

  func path(ofHost name: String) -> [String]? {
    for group in Model.groupNames {
      let path = ["all", "children", group, "hosts", name]
      if block(path) != nil { return path }
    }
    return nil
  }
}

// MARK: - Randomness

/// A small seeded generator (SplitMix64) so every case is reproducible from its seed.
struct SplitMix {
  var state: UInt64

  init(seed: UInt64) { state = seed }

  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }

  mutating func int(_ range: ClosedRange<Int>) -> Int {
    range.lowerBound + Int(next() % UInt64(range.count))
  }

  mutating func chance(_ probability: Double) -> Bool {
    Double(next() % 10_000) / 10_000 < probability
  }

  mutating func pick<T>(_ items: [T]) -> T { items[int(0...(items.count - 1))] }
}
