import ArgumentParser
import Basics
import ClusterOps
import Foundation
import Inventory
import OrderedCollections
import RunHistory

extension ClusterMgr {
  /// `cluster-mgr config-set KEY VALUE`: change one inventory variable, editing only its lines.
  struct ConfigSet: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "config-set",
      abstract: "Set (or --unset) an inventory variable at a scope, changing only its lines.",
      discussion: """
        Recorded in the run history (with the diff, secrets masked) under the inventory's \
        cluster_name. The change is checked before the file is replaced: it must parse, read back as \
        intended, and fit the schema of known variables (k3s_version like v1.31.4+k3s1, \
        CIDRs, quantities, labels, taints). The write is atomic, serialised with other writers, \
        and the previous version is kept as FILE.bak. Without --type, known variables get their \
        own type and others are strings. --vault writes the value encrypted with Ansible Vault \
        (`key: !vault |`, as `ansible-vault encrypt_string` does) with the first vault password \
        (or --encrypt-vault-id's); VALUE - reads it from standard input. A value that is already \
        encrypted is only replaced with --vault.
        """)

    @Argument(help: "The variable, dotted for nested keys (e.g. k3s_version, node_labels.gpu).")
    var key: String

    @Argument(help: "The new value (omit with --unset).")
    var value: String?

    @Option(
      name: .shortAndLong,
      help: "all, a group name or a host name (group:NAME / host:NAME when both).")
    var scope = "all"

    @Option(name: .shortAndLong, help: "How to read VALUE: string, int, bool or json.")
    var type: InventoryValueArgument.ValueType?

    @Flag(name: .long, help: "Remove the variable from the scope instead of setting it.")
    var unset = false

    @Flag(name: .long, help: "Show the change as a diff and write nothing.")
    var dryRun = false

    @Flag(name: .long, help: "Write the value encrypted with Ansible Vault (a !vault string).")
    var vault = false

    @Option(
      name: .customLong("encrypt-vault-id"),
      help: "With --vault: encrypt with the password of this vault-id label.")
    var encryptVaultID: String?

    @OptionGroup var inventoryOptions: InventoryOptions
    @OptionGroup var outputOptions: OutputOptions

    func validate() throws {
      if unset, value != nil { throw ValidationError("--unset takes no VALUE.") }
      if !unset, value == nil { throw ValidationError("Missing VALUE (or use --unset).") }
      if unset, type != nil { throw ValidationError("--type goes with a VALUE, not --unset.") }
      if vault, unset { throw ValidationError("--vault goes with a VALUE, not --unset.") }
      if vault, type != nil, type != .string {
        throw ValidationError("--vault encrypts a string; --type \(type!.rawValue) does not fit.")
      }
      if encryptVaultID != nil, !vault {
        throw ValidationError("--encrypt-vault-id goes with --vault.")
      }
    }

    func run() async throws {
      try await reportingOperatorErrors {
        // Editing reads no value: vaulted values that do not open stay as they are.
        let inventory = try inventoryOptions.load(locked: .keep)
        let resolvedScope = try InventoryScopeArgument.resolve(scope, in: inventory)
        let edit: InventoryEdit
        if unset {
          edit = .unsetVariable(key: key, scope: resolvedScope)
        } else if vault {
          let plaintext = value == "-" ? Self.readStandardInput() : value ?? ""
          let parts = try VariablePath.parse(key)
          if let problem = InventorySchema.problem(path: parts, value: .string(plaintext)) {
            throw InventoryError(code: "invalid-value", problem)
          }
          let envelope = try VaultPasswords.shared.encrypt(plaintext, label: encryptVaultID)
          edit = .setVariable(key: key, value: .vaulted(envelope), scope: resolvedScope)
        } else {
          if let location = Self.vaultedLocation(key, resolvedScope, inventory) {
            throw InventoryError(
              code: "vaulted-value",
              "\(key) is encrypted with Ansible Vault at \(location); a plain value would replace "
                + "the encrypted one",
              remedy: "write the new value encrypted: add --vault (or --unset it first)")
          }
          let parsed = try InventoryValueArgument.parse(value ?? "", type: type, key: key)
          edit = .setVariable(key: key, value: parsed, scope: resolvedScope)
        }
        let started = ContinuousClock.now
        let result = try await InventoryFile(path: inventoryOptions.path).apply(
          [edit], dryRun: dryRun)
        InventoryWriteReport.print(result, dryRun: dryRun, json: outputOptions.isJSON)
        if !dryRun && !result.changes.isEmpty {
          await record(edit, result: result, inventory: inventory, started: started)
        }
      }
    }

    /// Records the edit in the run history; a secret value (token, password) is masked.
    func record(
      _ edit: InventoryEdit, result: InventoryFile.WriteResult, inventory: ResolvedInventory,
      started: ContinuousClock.Instant
    ) async {
      let redactor = SecretRedactor()
      for secret in inventory.vaultSecrets { redactor.register(secret) }
      if let token = inventory.clusterSettings.token { redactor.register(token) }
      let name = (try? VariablePath.parse(key))?.first ?? key
      if InventorySchema.spec(name)?.isSecret == true, let value, !vault, value != "-" {
        redactor.register(value)
      }
      let diff = result.changes.map {
        LineDiff.unified(old: $0.value.old, new: $0.value.new, file: $0.key)
      }.joined()
      let (_, warning) = await OperationHistory.recordSingle(
        command: "config-set", commandLine: CommandLine.arguments,
        inventoryPath: inventoryOptions.path, redactor: redactor, host: "inventory",
        step: edit.summary, status: .changed, started: started,
        message: result.writtenFiles.joined(separator: ", "), diff: diff)
      if let warning, !outputOptions.isJSON {
        FileHandle.standardError.write(Data("warning: run history: \(warning)\n".utf8))
      }
    }

    /// Where the scope's own value of `key` is a vaulted one, nil otherwise.
    static func vaultedLocation(
      _ key: String, _ scope: VariableScope, _ inventory: ResolvedInventory
    )
      -> SourceLocation?
    {
      let name = (try? VariablePath.parse(key))?.first ?? key
      let variable: ResolvedVariable?
      switch scope {
      case .group(let group): variable = inventory.group(group)?.variables[name]
      case .host(let host):
        variable =
          inventory.host(host)?.fileVariables[name] ?? inventory.host(host)?.inlineVariables[name]
      }
      guard let variable, variable.isVaulted else { return nil }
      return variable.origin.location
    }

    /// Standard input without its final line break (VALUE `-`: the secret stays out of the
    /// shell's history).
    static func readStandardInput() -> String {
      let data = FileHandle.standardInput.readDataToEndOfFile()
      var text = String(decoding: data, as: UTF8.self)
      if text.hasSuffix("\r\n") {
        text.removeLast()
      } else if text.hasSuffix("\n") {
        text.removeLast()
      }
      return text
    }
  }
}
