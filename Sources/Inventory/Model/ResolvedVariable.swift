import OrderedCollections

/// Whose variable it is: the `all` group, another group, or a host.
public enum VariableScope: Hashable, Sendable, CustomStringConvertible {
  case group(String)
  case host(String)

  /// The `all` group: settings for the whole cluster.
  public static let all = VariableScope.group("all")

  public var description: String {
    switch self {
    case .group(let name): return name == "all" ? "all" : "group \(name)"
    case .host(let name): return "host \(name)"
    }
  }
}

/// Where a variable's effective value was defined.
public struct VariableOrigin: Hashable, Sendable, CustomStringConvertible {
  /// The group or host that defines it.
  public var scope: VariableScope
  /// Where its key is written.
  public var location: SourceLocation
  /// True when it comes from a `group_vars/` or `host_vars/` file rather than the inventory.
  public var isVarsFile: Bool
  /// True when its file is encrypted with Ansible Vault as a whole: every value in it is a secret.
  public var isEncryptedFile = false

  public var description: String { "\(location) (\(scope))" }
}

/// A variable's value together with where it was defined.
public struct ResolvedVariable: Hashable, Sendable {
  /// The value as Ansible sees it (a vaulted string is its plaintext).
  public private(set) var value: InventoryValue
  /// Where it was defined.
  public var origin: VariableOrigin
  /// The YAML node of the value (to point at positions inside lists and mappings).
  let node: YAMLNode?
  /// The value as Ansible's loader built it (tags, dates and big integers kept), for output.
  private(set) var ansibleValue: AnsibleValue

  init(value: AnsibleValue, origin: VariableOrigin, node: YAMLNode?) {
    self.ansibleValue = value
    self.value = value.inventoryValue
    self.origin = origin
    self.node = node
  }

  init(value: InventoryValue, origin: VariableOrigin, node: YAMLNode?) {
    self.init(value: AnsibleValue(value), origin: origin, node: node)
  }

  /// True when the value is (or holds) a string encrypted with Ansible Vault, or comes from a
  /// vars file encrypted as a whole: a secret.
  public var isVaulted: Bool { ansibleValue.containsVault || origin.isEncryptedFile }

  /// True when a vaulted string inside was not decrypted (no password, or none that opens it).
  public var isLocked: Bool {
    ansibleValue.vaultedStrings.contains { $0.plaintext == nil }
  }

  /// An error naming this variable and its position, and why it did not open (no password, a
  /// wrong one, a changed ciphertext), when it is locked: a locked value is never used.
  public func requireUnlocked(_ name: String, vault: VaultPasswords = .shared)
    throws(InventoryError)
  {
    guard let locked = ansibleValue.vaultedStrings.first(where: { $0.plaintext == nil }) else {
      return
    }
    var failure = VaultKeyring.Failure.noPassword
    if vault.isConfigured {
      let keyring = try vault.keyring().keyring
      do {
        _ = try keyring.decrypt(locked.ciphertext)
      } catch {
        failure = error
      }
    }
    throw InventoryLoader.vaultError(failure, what: name, at: origin.location)
  }

  /// The same variable with its vaulted strings replaced by `transform`'s result.
  func mappingVault(_ transform: (VaultedString) throws -> VaultedString) rethrows
    -> ResolvedVariable
  {
    guard ansibleValue.containsVault else { return self }
    return ResolvedVariable(
      value: try ansibleValue.mappingVault(transform), origin: origin, node: node)
  }

  public static func == (left: ResolvedVariable, right: ResolvedVariable) -> Bool {
    left.ansibleValue == right.ansibleValue && left.origin == right.origin
  }

  public func hash(into hasher: inout Hasher) {
    hasher.combine(ansibleValue)
    hasher.combine(origin)
  }

  /// Where the key of an entry inside the value is written (`["gpu"]`: the label key `gpu:`),
  /// falling back to the value's position.
  public func keyLocation(at path: [String]) -> SourceLocation {
    guard let last = path.last else { return origin.location }
    var node = self.node
    for step in path.dropLast() {
      node = node?.entries?.first(where: { $0.name == step })?.value
    }
    guard let entry = node?.entries?.first(where: { $0.name == last }), node?.isAlias == false
    else { return location(at: path) }
    return SourceLocation(
      file: origin.location.file, line: entry.key.line, column: entry.key.column)
  }

  /// The position of an element inside the value (`["1"]` for a list index, a key for a
  /// mapping), falling back to the variable's own position.
  public func location(at path: [String]) -> SourceLocation {
    var node = self.node
    for step in path {
      guard let current = node else { break }
      if let entries = current.entries, let entry = entries.first(where: { $0.name == step }) {
        node = entry.value
      } else if let items = current.items, let index = Int(step), items.indices.contains(index) {
        node = items[index]
      } else {
        node = nil
      }
    }
    guard let node, !node.isAlias else { return origin.location }
    return SourceLocation(file: origin.location.file, line: node.line, column: node.column)
  }
}
