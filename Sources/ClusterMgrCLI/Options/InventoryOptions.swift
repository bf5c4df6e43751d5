import ArgumentParser
import Foundation
import Inventory
import SSHTransport

/// The inventory a command reads (`-i/--inventory PATH`, else `$CLUSTER_MGR_INVENTORY`, else
/// `inventory/hosts.yml`) and the Ansible Vault passwords that open its vaulted values.
struct InventoryOptions: ParsableArguments {
  /// The default inventory path, relative to the current directory.
  static let defaultPath = "inventory/hosts.yml"

  @Option(
    name: [.customShort("i"), .long],
    help: ArgumentHelp(
      "The YAML inventory file (default: $CLUSTER_MGR_INVENTORY, else \(defaultPath)).",
      valueName: "path"))
  var inventory: String?

  @Option(
    name: .customLong("vault-id"),
    help: ArgumentHelp(
      "A vault password: LABEL@FILE, LABEL@prompt, or FILE (an executable FILE prints the "
        + "password).", valueName: "id"))
  var vaultIDs: [String] = []

  @Option(
    name: [.customLong("vault-password-file"), .customLong("vault-pass-file")],
    help: ArgumentHelp(
      "A file holding the vault password, or an executable that prints it (also "
        + "$ANSIBLE_VAULT_PASSWORD_FILE).", valueName: "file"))
  var vaultPasswordFiles: [String] = []

  @Flag(
    name: [.customShort("J"), .customLong("ask-vault-pass"), .customLong("ask-vault-password")],
    help: "Ask for the vault password on the terminal (once, when a vaulted value needs it).")
  var askVaultPass = false

  /// The inventory path after the option, the environment and the default.
  var path: String {
    if let inventory { return inventory }
    if let fromEnvironment = ProcessInfo.processInfo.environment["CLUSTER_MGR_INVENTORY"],
      !fromEnvironment.isEmpty
    {
      return fromEnvironment
    }
    return Self.defaultPath
  }

  /// The vault password sources in Ansible's order: `ANSIBLE_VAULT_IDENTITY_LIST`, `--vault-id`,
  /// `--vault-password-file`, `ANSIBLE_VAULT_PASSWORD_FILE`, `--ask-vault-pass`.
  var vaultSources: [VaultPasswordSource] {
    let environment = ProcessInfo.processInfo.environment
    var ids = (environment["ANSIBLE_VAULT_IDENTITY_LIST"] ?? "").split(separator: ",").map {
      $0.trimmingCharacters(in: .whitespaces)
    }.filter { !$0.isEmpty }
    ids += vaultIDs
    var sources = ids.map(VaultPasswordSource.vaultID)
    var files = vaultPasswordFiles
    if let file = environment["ANSIBLE_VAULT_PASSWORD_FILE"], !file.isEmpty { files.append(file) }
    sources += files.map { VaultPasswordSource.file(label: nil, path: $0) }
    if askVaultPass { sources.append(.prompt(label: nil, askVaultPass: true)) }
    return sources
  }

  /// Hands the vault password sources to the process's ``VaultPasswords`` (read when needed),
  /// whichever module then loads the inventory.
  func validate() throws {
    let sources = vaultSources
    if !sources.isEmpty || VaultPasswords.shared.isConfigured {
      VaultPasswords.shared.configure(sources, prompt: { SecretPrompt.readHidden(prompt: $0) })
    }
  }

  /// Loads and resolves the inventory; `locked` says what a `!vault` value without a password
  /// does (an error unless only shown).
  func load(locked: LockedVaultValues = .refuse) throws(InventoryError) -> ResolvedInventory {
    try InventoryLoader.load(path: path, locked: locked)
  }
}
