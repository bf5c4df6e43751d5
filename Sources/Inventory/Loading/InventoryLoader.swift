import Foundation
import OrderedCollections

/// Reads a YAML inventory with its `group_vars/` and `host_vars/` (files and directories) and
/// resolves every host's variables with Ansible's precedence:
/// `all` < parent groups < child groups < `group_vars/all` < `group_vars/GROUP` < host < `host_vars/HOST`.
public enum InventoryLoader {
  /// Loads the inventory file at `path`; any problem is an ``InventoryError`` (exit status 2).
  ///
  /// Vaulted values and files are opened with `vault` (the process's passwords by default); a
  /// `!vault` value without a password is an error unless `locked` is ``LockedVaultValues/keep``.
  public static func load(
    path: String, vault: VaultPasswords = .shared, locked: LockedVaultValues = .refuse
  ) throws(InventoryError) -> ResolvedInventory {
    try load(path: path, access: .disk, vault: vault, locked: locked)
  }

  /// Loads an inventory from text (vars files still come from next to `path`).
  public static func load(
    path: String, text: String, vault: VaultPasswords = .shared,
    locked: LockedVaultValues = .refuse
  ) throws(InventoryError) -> ResolvedInventory {
    try load(
      path: path, access: FileAccess(overlay: [FileAccess.key(path): text]), vault: vault,
      locked: locked)
  }

  static func load(
    path: String, access: FileAccess, vault: VaultPasswords = .shared,
    locked: LockedVaultValues = .refuse
  ) throws(InventoryError) -> ResolvedInventory {
    let (document, _) = try readInventoryDocument(path: path, access: access, vault: vault)
    var builder = InventoryBuilder()
    do {
      try builder.parse(document)
    } catch {
      if looksLikeINI(document.text) { throw iniError(path) }
      throw error
    }
    builder.warnings += document.mergeListConflicts()
    var files = [path]
    let groupVarsDirectory = VarsFiles.subdirectory("group_vars", ofInventory: path)
    for name in builder.groups.keys {
      for file in VarsFiles.files(for: name, in: groupVarsDirectory, access: access) {
        files.append(file)
        for (key, variable) in try readVarsFile(
          file, scope: .group(name), access: access, vault: vault, warnings: &builder.warnings)
        {
          builder.groups[name]?.fileVariables[key] = variable
        }
      }
    }
    let hostVarsDirectory = VarsFiles.subdirectory("host_vars", ofInventory: path)
    for name in builder.hosts.keys {
      for file in VarsFiles.files(for: name, in: hostVarsDirectory, access: access) {
        files.append(file)
        for (key, variable) in try readVarsFile(
          file, scope: .host(name), access: access, vault: vault, warnings: &builder.warnings)
        {
          builder.hosts[name]?.fileVariables[key] = variable
        }
      }
    }
    // Ansible's implicit localhost reads host_vars/localhost too; a file it cannot read only
    // matters when that host is asked for, so it is skipped here.
    var implicit: [String: OrderedDictionary<String, ResolvedVariable>] = [:]
    for name in ResolvedInventory.localhostNames.sorted() where builder.hosts[name] == nil {
      var ignored: [InventoryDiagnostic] = []
      for file in VarsFiles.files(for: name, in: hostVarsDirectory, access: access) {
        for (key, variable)
          in (try? readVarsFile(
            file, scope: .host(name), access: access, vault: vault, warnings: &ignored)) ?? []
        {
          implicit[name, default: [:]][key] = variable
        }
      }
    }
    var secrets = try openVaultedValues(&builder, extra: &implicit, vault: vault, locked: locked)
    secrets += builder.encryptedFileSecrets()
    if vault.isConfigured, let (_, warnings) = try? vault.keyring() {
      builder.warnings += warnings.map {
        InventoryDiagnostic(.warning, code: "vault-password", at: nil, $0)
      }
    }
    var inventory = ResolvedInventory(
      path: path, groups: builder.groups, hosts: builder.hosts, warnings: builder.warnings,
      files: files, vaultSecrets: secrets)
    inventory.implicitHostVariables = implicit
    inventory = inventory.withResolvedHostVariables()
    return inventory
  }

  /// Reads and parses the inventory file itself (decrypted when it is vault data); the flag
  /// tells whether it was.
  static func readInventoryDocument(
    path: String, access: FileAccess, vault: VaultPasswords = .shared
  ) throws(InventoryError) -> (YAMLDocument, encrypted: Bool) {
    guard access.exists(path) else {
      throw InventoryError(
        code: "inventory-missing", "inventory file \(path) does not exist",
        remedy:
          "pass -i PATH (or set CLUSTER_MGR_INVENTORY), or copy an example from inventory/ to \(path)"
      )
    }
    guard !access.isDirectory(path) else {
      throw InventoryError(
        code: "inventory-directory", "\(path) is a directory; cluster-mgr reads one inventory file",
        remedy: "pass the inventory file itself, e.g. -i \(joinPath(path, "hosts.yml"))")
    }
    let ext = VarsFiles.fileExtension((path as NSString).lastPathComponent).lowercased()
    var text: String
    do {
      text = try access.readText(path)
    } catch {
      throw InventoryError(
        code: "inventory-unreadable", "cannot read \(path): \(error.localizedDescription)",
        remedy: "check the file's permissions and that it is UTF-8 text")
    }
    if ext == ".ini" || ext == ".cfg" { throw iniError(path) }
    let (plaintext, encrypted) = try readDecrypted(path, text: text, vault: vault)
    text = plaintext
    do {
      return (try YAMLDocument.parse(text, file: path), encrypted)
    } catch {
      if looksLikeINI(text) { throw iniError(path) }
      throw error
    }
  }

  private static func readVarsFile(
    _ file: String, scope: VariableScope, access: FileAccess, vault: VaultPasswords,
    warnings: inout [InventoryDiagnostic]
  ) throws(InventoryError) -> [(String, ResolvedVariable)] {
    let text: String
    do {
      text = try access.readText(file)
    } catch {
      throw InventoryError(
        code: "vars-unreadable", "cannot read \(file): \(error.localizedDescription)")
    }
    let (plaintext, encrypted) = try readDecrypted(file, text: text, vault: vault)
    let document = try YAMLDocument.parse(plaintext, file: file)
    warnings += document.mergeListConflicts()
    guard let root = document.root, !root.ansibleValue.isFalsy else { return [] }
    guard root.entries != nil else {
      throw InventoryError(
        InventoryDiagnostic(
          .error, code: "wrong-type", subject: file, at: document.location(root),
          "a variables file must be a mapping of `name: value`, found a \(root.value.typeName)"))
    }
    return InventoryBuilder.variables(of: root, scope: scope, document, file: true).map {
      name, variable in
      var marked = variable
      marked.origin.isEncryptedFile = encrypted
      return (name, marked)
    }
  }

  /// True for text that reads like an INI inventory (`[group]` headers, `host var=value`).
  static func looksLikeINI(_ text: String) -> Bool {
    text.split(whereSeparator: \.isNewline).contains { line in
      let trimmed = line.trimmingCharacters(in: .whitespaces)
      return trimmed.hasPrefix("[") && trimmed.hasSuffix("]") && !trimmed.contains(",")
        && !trimmed.contains(" ") && trimmed.count > 2
    }
  }

  private static func iniError(_ path: String) -> InventoryError {
    InventoryError(
      code: "ini-inventory",
      "\(path) looks like an INI inventory; cluster-mgr reads YAML inventories only",
      remedy: "convert it once with `ansible-inventory -i \(path) --list -y > hosts.yml`")
  }
}

extension ResolvedInventory {
  /// A copy with every host's merged variables computed.
  func withResolvedHostVariables() -> ResolvedInventory {
    var hosts = self.hosts
    let all = groups["all"]!
    for name in hosts.keys {
      let memberships = groups(ofHost: name)
      var merged = all.inlineVariables
      for group in memberships { merged.merge(groups[group]!.inlineVariables) { _, new in new } }
      merged.merge(all.fileVariables) { _, new in new }
      for group in memberships { merged.merge(groups[group]!.fileVariables) { _, new in new } }
      merged.merge(hosts[name]!.inlineVariables) { _, new in new }
      merged.merge(hosts[name]!.fileVariables) { _, new in new }
      hosts[name]!.variables = merged
    }
    var result = ResolvedInventory(
      path: path, groups: groups, hosts: hosts, warnings: warnings, files: files,
      vaultSecrets: vaultSecrets)
    result.implicitHostVariables = implicitHostVariables
    result.extraVariables = extraVariables
    return result
  }
}
