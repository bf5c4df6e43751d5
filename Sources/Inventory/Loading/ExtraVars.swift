import Foundation
import OrderedCollections

/// `--extra-vars`: variables given on the command line, above every inventory source (as in
/// Ansible). Each argument is a JSON object (`{"k3s_version": "v1.31.5+k3s1"}`) or
/// space-separated `key=value` pairs whose values are strings.
public enum ExtraVars {
  /// The variables of `arguments`, later arguments winning.
  public static func parse(_ arguments: [String]) throws(InventoryError) -> OrderedDictionary<
    String, InventoryValue
  > {
    var result: OrderedDictionary<String, InventoryValue> = [:]
    for argument in arguments {
      let text = argument.trimmingCharacters(in: .whitespacesAndNewlines)
      if text.hasPrefix("{") {
        let value: InventoryValue
        do { value = try JSONText.parse(text) } catch {
          throw InventoryError(
            code: "extra-vars", "--extra-vars \(argument): \(error)",
            remedy: "give a JSON object or key=value pairs")
        }
        guard case .map(let map) = value else {
          throw InventoryError(
            code: "extra-vars", "--extra-vars \(argument): a JSON value must be an object")
        }
        for (key, value) in map { result[key] = value }
        continue
      }
      for pair in text.split(whereSeparator: \.isWhitespace) {
        guard let eq = pair.firstIndex(of: "="), eq != pair.startIndex else {
          throw InventoryError(
            code: "extra-vars", "--extra-vars: \(pair) is not key=value",
            remedy: "write key=value, or a JSON object")
        }
        result[String(pair[..<eq])] = .string(String(pair[pair.index(after: eq)...]))
      }
    }
    return result
  }
}

extension ResolvedInventory {
  /// The inventory with `extraVars` set on every host and on `all`, above every other source.
  public func applyingExtraVars(_ extraVars: OrderedDictionary<String, InventoryValue>)
    -> ResolvedInventory
  {
    guard !extraVars.isEmpty else { return self }
    // Each variable has a place of its own (`--extra-vars:1:N` for the Nth), so the validator
    // checks every one of them, not only the first.
    func location(_ key: String) -> SourceLocation {
      SourceLocation(file: "--extra-vars", line: 1, column: (extraVars.index(forKey: key) ?? 0) + 1)
    }
    var hosts = self.hosts
    for name in hosts.keys {
      for (key, value) in extraVars {
        let location = location(key)
        hosts[name]?.variables[key] = ResolvedVariable(
          value: value,
          origin: VariableOrigin(scope: .host(name), location: location, isVarsFile: false),
          node: nil)
      }
    }
    var groups = self.groups
    for (key, value) in extraVars {
      groups["all"]?.fileVariables[key] = ResolvedVariable(
        value: value,
        origin: VariableOrigin(scope: .all, location: location(key), isVarsFile: true),
        node: nil)
    }
    return ResolvedInventory(
      path: path, groups: groups, hosts: hosts, warnings: warnings, files: files)
  }
}
