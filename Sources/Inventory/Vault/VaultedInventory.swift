import Foundation
import OrderedCollections

/// What loading does with a `!vault` value when no vault password was given.
public enum LockedVaultValues: Sendable {
  /// Stop with an error naming each such variable and its position: the ciphertext is never
  /// used as the value (every command that uses variables).
  case refuse
  /// Keep them encrypted, and also those no given password opens (`inventory --list`/`--host`/
  /// `--graph` print the ciphertext, as `ansible-inventory` does, which decrypts nothing there;
  /// edits that do not touch them).
  case keep
}

extension InventoryLoader {
  /// The text of an inventory or vars file, decrypted when the whole file is vault data (as
  /// Ansible's loader does for `group_vars/all/vault.yml`); the flag tells which.
  static func readDecrypted(_ file: String, text: String, vault: VaultPasswords)
    throws(InventoryError) -> (text: String, encrypted: Bool)
  {
    guard VaultEnvelope.isEncrypted(text) else { return (text, false) }
    let (keyring, _) = try vault.keyring()
    do {
      let plaintext = try keyring.decrypt(text)
      return (String(decoding: plaintext, as: UTF8.self), true)
    } catch {
      throw vaultError(error, what: file, at: nil)
    }
  }

  /// Opens every `!vault` value of the builder's variables with the configured passwords, or, with
  /// none configured, leaves them locked (an error under ``LockedVaultValues/refuse``).
  ///
  /// The `extra` variable sets (the implicit localhost's) are opened when a password is configured
  /// and otherwise left as they are. Returns the plaintexts.
  static func openVaultedValues(
    _ builder: inout InventoryBuilder,
    extra: inout [String: OrderedDictionary<String, ResolvedVariable>],
    vault: VaultPasswords, locked: LockedVaultValues
  ) throws(InventoryError) -> [String] {
    var sets: [OrderedDictionary<String, ResolvedVariable>] = []
    for group in builder.groups.values { sets += [group.inlineVariables, group.fileVariables] }
    for host in builder.hosts.values { sets += [host.inlineVariables, host.fileVariables] }
    let vaulted = sets.flatMap { set in
      set.filter { $0.value.ansibleValue.containsVault }.map { ($0.key, $0.value) }
    }
    let extraVaulted = extra.values.contains { set in
      set.values.contains { $0.ansibleValue.containsVault }
    }
    guard !vaulted.isEmpty || extraVaulted else { return [] }
    guard vault.isConfigured else {
      guard locked == .refuse, !vaulted.isEmpty else { return [] }
      throw InventoryError(
        vaulted.map { name, variable in
          InventoryDiagnostic(
            .error, code: "vault-locked", subject: name, at: variable.origin.location,
            "\(name) is encrypted with Ansible Vault and no vault password was given "
              + "(cluster-mgr never uses the ciphertext as the value)",
            remedy:
              "give the password with --vault-password-file FILE, --vault-id LABEL@FILE, "
              + "--ask-vault-pass or ANSIBLE_VAULT_PASSWORD_FILE")
        })
    }
    var opener = VaultOpener(keyring: try vault.keyring().keyring, keepsLocked: locked == .keep)
    for name in builder.groups.keys {
      try opener.open(&builder.groups[name]!.inlineVariables)
      try opener.open(&builder.groups[name]!.fileVariables)
    }
    for name in builder.hosts.keys {
      try opener.open(&builder.hosts[name]!.inlineVariables)
      try opener.open(&builder.hosts[name]!.fileVariables)
    }
    for name in extra.keys { try opener.open(&extra[name]!) }
    return Array(opener.plaintexts.values)
  }

  /// A clear error for a vaulted value or file that does not open.
  static func vaultError(
    _ failure: VaultKeyring.Failure, what: String, at location: SourceLocation?
  )
    -> InventoryError
  {
    let message: String
    let remedy: String
    switch failure {
    case .noPassword:
      message = "\(what) is encrypted with Ansible Vault and no vault password was given"
      remedy =
        "give the password with --vault-password-file FILE, --vault-id LABEL@FILE, "
        + "--ask-vault-pass or ANSIBLE_VAULT_PASSWORD_FILE"
    case .format(let problem):
      message = "\(what): the Ansible Vault data is damaged: \(problem)"
      remedy =
        "encrypt the value again with `cluster-mgr config-set KEY VALUE --vault` or ansible-vault"
    case .noMatchingPassword(let tried):
      message =
        "\(what) is encrypted with Ansible Vault and no given password opens it (tried "
        + tried.joined(separator: ", ")
        + "): the password is wrong, or the ciphertext was changed (HMAC check failed)"
      remedy = "give the right password (--vault-id LABEL@FILE for a value of another vault-id)"
    }
    return InventoryError(
      InventoryDiagnostic(
        .error, code: "vault", subject: what, at: location, message, remedy: remedy))
  }
}

extension InventoryBuilder {
  /// The strings of vars files encrypted as a whole: secrets to mask like vaulted values.
  func encryptedFileSecrets() -> [String] {
    var secrets: [String] = []
    func strings(_ value: InventoryValue) {
      switch value {
      case .string(let string): secrets.append(string)
      case .list(let items): items.forEach(strings)
      case .map(let map): map.values.forEach(strings)
      default: break
      }
    }
    for group in groups.values {
      for variable in group.fileVariables.values where variable.origin.isEncryptedFile {
        strings(variable.value)
      }
    }
    for host in hosts.values {
      for variable in host.fileVariables.values where variable.origin.isEncryptedFile {
        strings(variable.value)
      }
    }
    return secrets
  }
}

/// Decrypts the vaulted values of variable sets, each ciphertext once.
struct VaultOpener {
  let keyring: VaultKeyring
  /// A value no password opens stays locked instead of being an error.
  let keepsLocked: Bool
  /// Plaintext by ciphertext.
  private(set) var plaintexts: [String: String] = [:]

  init(keyring: VaultKeyring, keepsLocked: Bool) {
    self.keyring = keyring
    self.keepsLocked = keepsLocked
  }

  mutating func open(_ variables: inout OrderedDictionary<String, ResolvedVariable>)
    throws(InventoryError)
  {
    for (name, variable) in variables where variable.ansibleValue.containsVault {
      variables[name] = try open(name, variable)
    }
  }

  private mutating func open(_ name: String, _ variable: ResolvedVariable) throws(InventoryError)
    -> ResolvedVariable
  {
    var known = plaintexts
    let keyring = keyring
    do {
      let opened = try variable.mappingVault { vaulted in
        var opened = vaulted
        if let plaintext = known[vaulted.ciphertext] {
          opened.plaintext = plaintext
        } else {
          let plaintext = String(decoding: try keyring.decrypt(vaulted.ciphertext), as: UTF8.self)
          known[vaulted.ciphertext] = plaintext
          opened.plaintext = plaintext
        }
        return opened
      }
      plaintexts = known
      return opened
    } catch let failure as VaultKeyring.Failure {
      if keepsLocked { return variable }
      throw InventoryLoader.vaultError(failure, what: name, at: variable.origin.location)
    } catch {
      throw InventoryError(code: "vault", "\(name): \(error)")
    }
  }
}
