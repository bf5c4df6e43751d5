import OrderedCollections

/// Applies ``InventoryEdit``s to an inventory's files in memory and checks the result.
///
/// Every edited file must parse to exactly the intended value tree, the inventory must read back
/// with the intended change, and no new validation error may appear. Writes nothing (see
/// ``InventoryFile`` for that).
///
/// Where a variable goes: a variable that is already set is changed where its effective value
/// comes from (the inventory, or a `group_vars/`/`host_vars/` file); a new variable goes into the
/// inventory's `vars:` of the group (or under the host), or into the scope's only vars file when
/// the inventory has no `vars:` for it. Unsetting removes the variable from every place at that
/// scope, so no shadowed value resurfaces.
public struct InventoryEditor {
  /// The inventory file.
  public let path: String
  var access: FileAccess
  var editors: OrderedDictionary<String, DocumentEditor> = [:]
  var originals: [String: String] = [:]
  var summary: [String] = []
  var notes: [String] = []

  /// An editor for the inventory at `path` as it is on disk.
  public init(path: String) {
    self.path = path
    self.access = .disk
  }

  /// An editor for an inventory whose text is given (vars files still come from disk).
  public init(path: String, text: String) {
    self.path = path
    self.access = FileAccess(overlay: [FileAccess.key(path): text])
  }

  /// An editor for an inventory that exists only in memory: `files` holds the text of the
  /// inventory at `path` and of any vars files (by path); other files come from disk.
  public init(path: String, files: [String: String]) {
    self.path = path
    var overlay: [String: String] = [:]
    for (file, text) in files { overlay[FileAccess.key(file)] = text }
    self.access = FileAccess(overlay: overlay)
  }

  /// Applies `edits` in order and checks the outcome.
  public static func apply(_ edits: [InventoryEdit], toInventoryAt path: String)
    throws(InventoryError) -> InventoryEditResult
  {
    var editor = InventoryEditor(path: path)
    return try editor.apply(edits)
  }

  /// Applies `edits` in order and checks the outcome.
  public mutating func apply(_ edits: [InventoryEdit]) throws(InventoryError) -> InventoryEditResult
  {
    let before = try InventoryLoader.load(path: path, access: access, locked: .keep)
    let errorsBefore = Set(InventoryValidator.validate(before).filter(\.isError).map(Self.identity))
    for edit in edits {
      try apply(edit)
    }
    for editor in editors.values { try editor.verify() }
    let after = try InventoryLoader.load(path: path, access: access, locked: .keep)
    for edit in edits { try check(edit, in: after) }
    let diagnostics = InventoryValidator.validate(after)
    let newErrors = diagnostics.filter { $0.isError && !errorsBefore.contains(Self.identity($0)) }
    if !newErrors.isEmpty {
      var error = InventoryError(newErrors)
      error.diagnostics[0].message =
        "the change would make the inventory invalid; nothing was written: " + newErrors[0].message
      throw error
    }
    var changed: OrderedDictionary<String, String> = [:]
    var originalTexts: [String: String] = [:]
    for (key, editor) in editors where editor.text != originals[key] {
      changed[editor.file] = editor.text
      originalTexts[editor.file] = originals[key]
    }
    return InventoryEditResult(
      changedFiles: changed, originalTexts: originalTexts,
      summary: summary, notes: notes, inventory: after,
      warnings: after.warnings + diagnostics.filter { !$0.isError })
  }

  private static func identity(_ diagnostic: InventoryDiagnostic) -> String {
    diagnostic.code + "|" + diagnostic.subject + "|" + diagnostic.message
  }

  // MARK: - One edit

  private mutating func apply(_ edit: InventoryEdit) throws(InventoryError) {
    let inventory = try InventoryLoader.load(path: path, access: access, locked: .keep)
    let (document, encrypted) = try InventoryLoader.readInventoryDocument(
      path: path, access: access)
    if encrypted { throw Self.encryptedFile(path) }
    let layout = InventoryLayout(document)
    switch edit {
    case .addHost(let name, let group, let variables, let parent):
      try addHost(name, group: group, variables: variables, parent: parent, inventory, layout)
    case .removeHost(let name):
      try removeHost(name, inventory, layout)
    case .setVariable(let key, let value, let scope):
      try setVariable(VariablePath.parse(key), value, scope: scope, inventory, layout, document)
    case .unsetVariable(let key, let scope):
      try unsetVariable(VariablePath.parse(key), scope: scope, inventory, layout, document)
    }
  }

  private mutating func addHost(
    _ name: String, group: String, variables: OrderedDictionary<String, InventoryValue>,
    parent: String?, _ inventory: ResolvedInventory, _ layout: InventoryLayout
  ) throws(InventoryError) {
    guard !name.isEmpty, !name.contains(where: { $0.isWhitespace || "[]:,#".contains($0) }) else {
      throw InventoryError(
        code: "bad-host-name", "'\(name)' is not a usable host name",
        remedy: "use the machine's hostname: letters, digits, '-' and '.'")
    }
    if let host = inventory.host(name) {
      if host.groups.contains(group) {
        throw InventoryError(
          code: "host-exists", "host '\(name)' is already in group '\(group)'",
          remedy: "use `cluster-mgr config-set KEY VALUE --scope \(name)` to change its variables")
      }
      if !variables.isEmpty {
        throw InventoryError(
          code: "host-exists",
          "host '\(name)' already exists (in \(host.groups.joined(separator: ", "))); its variables live there",
          remedy: "add it to '\(group)' without variables, then set them with config-set")
      }
    }
    if inventory.group(name) != nil {
      throw InventoryError(
        code: "name-taken", "'\(name)' is already the name of a group",
        remedy: "pick another host name")
    }
    let value: InventoryValue = variables.isEmpty ? .null : .map(variables)
    var target: [String]
    if let definitions = layout.groups[group], !definitions.isEmpty {
      let document = try document(for: path)
      let withHosts = definitions.first { document.root?.node(at: $0 + ["hosts"]) != nil }
      target = (withHosts ?? definitions[0]) + ["hosts", name]
    } else if inventory.group(group) != nil {
      throw InventoryError(
        code: "group-not-editable", "group '\(group)' is not written in \(path) (it is implicit)",
        remedy: "add the host to another group")
    } else {
      let parentName = parent ?? "all"
      if let parentPath = layout.groups[parentName]?.first {
        target = parentPath + ["children", group, "hosts", name]
      } else if parentName == "all" {
        target = [group, "hosts", name]
      } else {
        throw InventoryError(
          code: "unknown-group", "parent group '\(parentName)' is not in \(path)",
          remedy: "create it first or choose an existing parent")
      }
    }
    try edit(path) { editor throws(InventoryError) in try editor.set(target, to: value) }
    summary.append("\(path): added host \(name) to group \(group)")
  }

  private mutating func removeHost(
    _ name: String, _ inventory: ResolvedInventory, _ layout: InventoryLayout
  ) throws(InventoryError) {
    if let pattern = layout.patternKeys[name] {
      throw InventoryError(
        code: "pattern-host", "host '\(name)' comes from the host pattern '\(pattern)'",
        remedy: "edit that pattern by hand")
    }
    guard let paths = layout.hosts[name], !paths.isEmpty else {
      throw InventoryError(
        code: "unknown-host", "host '\(name)' is not in \(path)",
        remedy: "run `cluster-mgr inventory --graph` to see the hosts")
    }
    for hostPath in paths {
      try edit(path) { editor throws(InventoryError) in try editor.remove(hostPath, emptied: .null)
      }
    }
    summary.append("\(path): removed host \(name)")
    let files = inventory.files.filter { $0.contains("host_vars/\(name)") }
    for file in files {
      notes.append(
        "\(file) still holds variables for \(name); delete it if the host is gone for good")
    }
  }

  // MARK: - Variables

  /// One place a scope's variables can live: a mapping in the inventory or a vars file's root.
  private struct VariableSource {
    var file: String
    /// Key path of the mapping holding the variables ([] for a vars file).
    var mapping: [String]
    /// The mapping exists (or the file has content).
    var exists: Bool
    /// Removing its last variable leaves `key: {}` (inside the inventory) or nothing.
    var isHostEntry: Bool
    /// A vars file encrypted with Ansible Vault as a whole (never rewritten).
    var isEncrypted = false
  }

  private func isEncrypted(_ file: String) -> Bool {
    ((try? access.readText(file)).map(VaultEnvelope.isEncrypted)) ?? false
  }

  static func encryptedFile(_ file: String) -> InventoryError {
    InventoryError(
      code: "vault-file",
      "\(file) is encrypted with Ansible Vault as a whole; cluster-mgr does not rewrite encrypted "
        + "files",
      remedy:
        "edit it with `ansible-vault edit \(file)`, or set the variable elsewhere as one "
        + "encrypted value: `cluster-mgr config-set KEY VALUE --vault`")
  }

  private func sources(
    for scope: VariableScope, _ inventory: ResolvedInventory, _ layout: InventoryLayout,
    _ document: YAMLDocument
  ) throws(InventoryError) -> [VariableSource] {
    var result: [VariableSource] = []
    switch scope {
    case .group(let name):
      guard inventory.group(name) != nil else {
        throw InventoryError(
          code: "unknown-scope", "group '\(name)' is not in \(path)",
          remedy: "use --scope all, a group name, or a host name")
      }
      for definition in layout.groups[name] ?? [] {
        let vars = definition + ["vars"]
        result.append(
          VariableSource(
            file: path, mapping: vars, exists: document.root?.node(at: vars) != nil,
            isHostEntry: false))
      }
      let directory = VarsFiles.subdirectory("group_vars", ofInventory: path)
      for file in VarsFiles.files(for: name, in: directory, access: access) {
        result.append(
          VariableSource(
            file: file, mapping: [], exists: true, isHostEntry: false,
            isEncrypted: isEncrypted(file)))
      }
    case .host(let name):
      guard inventory.host(name) != nil else {
        throw InventoryError(
          code: "unknown-scope", "host '\(name)' is not in \(path)",
          remedy: "use --scope all, a group name, or a host name")
      }
      if let pattern = layout.patternKeys[name] {
        throw InventoryError(
          code: "pattern-host", "host '\(name)' comes from the host pattern '\(pattern)'",
          remedy: "set its variables in host_vars/\(name).yml or edit the pattern by hand")
      }
      for occurrence in layout.hosts[name] ?? [] {
        let exists = document.root?.node(at: occurrence)?.entries != nil
        result.append(
          VariableSource(file: path, mapping: occurrence, exists: exists, isHostEntry: true))
      }
      let directory = VarsFiles.subdirectory("host_vars", ofInventory: path)
      for file in VarsFiles.files(for: name, in: directory, access: access) {
        result.append(
          VariableSource(
            file: file, mapping: [], exists: true, isHostEntry: false,
            isEncrypted: isEncrypted(file)))
      }
    }
    return result
  }

  /// True when `source` defines the top-level variable `name`.
  private func defines(_ source: VariableSource, _ name: String) throws(InventoryError) -> Bool {
    if source.isEncrypted {
      let inventory = try InventoryLoader.load(path: path, access: access, locked: .keep)
      return inventory.files.contains(source.file)
        && (inventory.groups.values.contains { group in
          group.fileVariables[name]?.origin.location.file == source.file
        }
          || inventory.hosts.values.contains { host in
            host.fileVariables[name]?.origin.location.file == source.file
          })
    }
    let document = try document(for: source.file)
    return document.root?.node(at: source.mapping)?.entry(name) != nil
  }

  private mutating func setVariable(
    _ keyPath: [String], _ value: InventoryValue, scope: VariableScope,
    _ inventory: ResolvedInventory, _ layout: InventoryLayout, _ document: YAMLDocument
  ) throws(InventoryError) {
    // A vaulted value's plaintext was checked before it was encrypted.
    if value.vaultCiphertext == nil,
      let problem = InventorySchema.problem(path: keyPath, value: value)
    {
      throw InventoryError(
        code: "invalid-value", problem,
        remedy: InventorySchema.spec(keyPath[0]).map { "\($0.name): \($0.summary)" })
    }
    let all = try sources(for: scope, inventory, layout, document)
    var target: VariableSource?
    for source in all.reversed() where try defines(source, keyPath[0]) {
      target = source
      break
    }
    if let found = target, found.isEncrypted { throw Self.encryptedFile(found.file) }
    if target == nil {
      let vars = all.filter { $0.file == path }
      let files = all.filter { $0.file != path && !$0.isEncrypted }
      target = vars.first(where: \.exists) ?? (files.count == 1 ? files[0] : nil) ?? vars.first
    }
    let chosen: VariableSource
    if let target {
      chosen = target
    } else if scope == .all {
      chosen = VariableSource(
        file: path, mapping: ["all", "vars"], exists: false, isHostEntry: false)
    } else {
      throw InventoryError(
        code: "no-place", "found no place to write \(scope)'s variables in \(path)")
    }
    try edit(chosen.file) { editor throws(InventoryError) in
      try editor.set(chosen.mapping + keyPath, to: value)
    }
    let shown =
      InventorySchema.spec(keyPath[0])?.isSecret == true || value.vaultCiphertext != nil
      ? "(secret)" : JSONText.compact(value)
    summary.append("\(chosen.file): set \(keyPath.joined(separator: ".")) = \(shown) at \(scope)")
  }

  private mutating func unsetVariable(
    _ keyPath: [String], scope: VariableScope, _ inventory: ResolvedInventory,
    _ layout: InventoryLayout, _ document: YAMLDocument
  ) throws(InventoryError) {
    let all = try sources(for: scope, inventory, layout, document)
    var definers: [VariableSource] = []
    for source in all where try defines(source, keyPath[0]) { definers.append(source) }
    if keyPath.count > 1 { definers = definers.suffix(1) }
    var removed = false
    for source in definers.reversed() {
      if source.isEncrypted { throw Self.encryptedFile(source.file) }
      let sourceDocument = try self.document(for: source.file)
      guard sourceDocument.root?.node(at: source.mapping + keyPath) != nil else { continue }
      let emptied: DocumentEditor.Emptied =
        source.mapping.isEmpty && keyPath.count == 1 || source.isHostEntry && keyPath.count == 1
        ? .null : .emptyMap
      try edit(source.file) { editor throws(InventoryError) in
        try editor.remove(source.mapping + keyPath, emptied: emptied)
      }
      summary.append("\(source.file): unset \(keyPath.joined(separator: ".")) at \(scope)")
      removed = true
    }
    if !removed {
      notes.append("\(keyPath.joined(separator: ".")) is not set at \(scope); nothing to change")
    }
  }

  // MARK: - Checking the outcome

  private func check(_ edit: InventoryEdit, in inventory: ResolvedInventory) throws(InventoryError)
  {
    let ok: Bool
    switch edit {
    case .addHost(let name, let group, let variables, _):
      let host = inventory.host(name)
      ok =
        host?.groups.contains(group) == true
        && variables.allSatisfy { host?.inlineVariables[$0.key]?.value == $0.value }
    case .removeHost(let name):
      ok = inventory.host(name) == nil
    case .setVariable(let key, let value, let scope):
      if let ciphertext = value.vaultCiphertext {
        ok = try ownVaultCiphertext(key, scope, inventory) == ciphertext
      } else {
        ok = try ownValue(key, scope, inventory) == value
      }
    case .unsetVariable(let key, let scope):
      ok = try ownValue(key, scope, inventory) == nil
    }
    guard ok else {
      throw InventoryError(
        code: "edit-mismatch",
        "after the edit the inventory does not read as intended (\(edit.summary)); nothing was written",
        remedy: "make this change by hand, then run `cluster-mgr inventory --validate`")
    }
  }

  /// The value a scope itself defines for a dotted key (inline and vars files, not inherited).
  private func ownValue(_ key: String, _ scope: VariableScope, _ inventory: ResolvedInventory)
    throws(InventoryError) -> InventoryValue?
  {
    let keyPath = try VariablePath.parse(key)
    let variables: OrderedDictionary<String, ResolvedVariable>
    switch scope {
    case .group(let name): variables = inventory.group(name)?.variables ?? [:]
    case .host(let name):
      let host = inventory.host(name)
      variables = (host?.inlineVariables ?? [:]).merging(host?.fileVariables ?? [:]) { $1 }
    }
    return variables[keyPath[0]]?.value.value(at: keyPath.dropFirst())
  }

  /// The ciphertext of a scope's own vaulted value for a dotted key.
  private func ownVaultCiphertext(
    _ key: String, _ scope: VariableScope, _ inventory: ResolvedInventory
  ) throws(InventoryError) -> String? {
    let keyPath = try VariablePath.parse(key)
    let variables: OrderedDictionary<String, ResolvedVariable>
    switch scope {
    case .group(let name): variables = inventory.group(name)?.variables ?? [:]
    case .host(let name):
      let host = inventory.host(name)
      variables = (host?.inlineVariables ?? [:]).merging(host?.fileVariables ?? [:]) { $1 }
    }
    var value = variables[keyPath[0]]?.ansibleValue
    for step in keyPath.dropFirst() {
      guard case .map(let mapping) = value else { return nil }
      value = mapping[step]
    }
    guard case .vault(let vaulted) = value else { return nil }
    return vaulted.ciphertext
  }

  // MARK: - Files

  private mutating func edit(
    _ file: String, _ change: (inout DocumentEditor) throws(InventoryError) -> Void
  ) throws(InventoryError) {
    let key = FileAccess.key(file)
    if editors[key] == nil {
      let text: String
      do {
        text = try access.readText(file)
      } catch {
        throw InventoryError(code: "unreadable", "cannot read \(file): \(error)")
      }
      if VaultEnvelope.isEncrypted(text) { throw Self.encryptedFile(file) }
      originals[key] = text
      editors[key] = try DocumentEditor(text: text, file: file)
    }
    try change(&editors[key]!)
    access.overlay[key] = editors[key]!.text
  }

  private func document(for file: String) throws(InventoryError) -> YAMLDocument {
    let text: String
    do {
      text = try access.readText(file)
    } catch {
      throw InventoryError(code: "unreadable", "cannot read \(file): \(error)")
    }
    return try YAMLDocument.parse(text, file: file)
  }
}
