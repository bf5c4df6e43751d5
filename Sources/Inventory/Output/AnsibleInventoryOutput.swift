import OrderedCollections

/// The three views of `ansible-inventory`: `--list`, `--host PATTERN` and `--graph [GROUP]`.
///
/// Secrets: a `!vault` value is printed as Ansible prints it in `--list` and `--host` (its
/// ciphertext, `{"__ansible_vault": ...}`); where Ansible prints plaintext (`--graph --vars`,
/// values from a vars file encrypted as a whole) these views print ``vaultMask`` unless
/// `reveal` is set.
extension ResolvedInventory {
  /// Variables Ansible computes itself and never prints (`C.INTERNAL_STATIC_VARS`).
  static let internalVariables: Set<String> = [
    "ansible_async_path", "ansible_collection_name", "ansible_config_file",
    "ansible_dependent_role_names", "ansible_diff_mode", "ansible_facts", "ansible_forks",
    "ansible_inventory_sources", "ansible_limit", "ansible_play_batch", "ansible_play_hosts",
    "ansible_play_hosts_all", "ansible_play_role_names", "ansible_playbook_python",
    "ansible_role_name", "ansible_role_names", "ansible_run_tags", "ansible_skip_tags",
    "ansible_verbosity", "ansible_version", "inventory_dir", "inventory_file",
    "inventory_hostname", "inventory_hostname_short", "groups", "group_names", "hostvars",
    "playbook_dir", "play_hosts", "role_name", "role_names", "role_path", "role_uuid",
  ]

  /// What a decrypted secret shows where Ansible would print it in plain text.
  public static let vaultMask = "(vault)"

  /// Ansible's names for the machine it runs on (`C.LOCALHOST`): a pattern naming one of them
  /// selects an implicit `localhost` when the inventory has no such host.
  public static let localhostNames: Set<String> = ["localhost", "127.0.0.1", "::1"]

  /// What `ansible-inventory --list` prints: groups with hosts and children, and
  /// `_meta.hostvars` with every host's merged variables.
  public func ansibleListText(reveal: Bool = false) -> String {
    var results = AnsibleMapping()
    var seen: Set<String> = []
    formatGroup("all", into: &results, seen: &seen)
    var hostvars = AnsibleMapping()
    for name in hosts(inGroup: "all") {
      let variables = displayVariables(hosts[name]!.variables, reveal: reveal)
      if !variables.isEmpty { hostvars[.string(name)] = .map(variables) }
    }
    var meta = AnsibleMapping()
    meta[.string("hostvars")] = .map(hostvars)
    meta[.string("profile")] = .string("inventory_legacy")
    results[.string("_meta")] = .map(meta)
    return AnsibleJSON.pretty(.map(results), style: AnsibleJSON.Style(marksUnsafe: true))
  }

  private func formatGroup(
    _ name: String, into results: inout AnsibleMapping, seen: inout Set<String>
  ) {
    guard let group = groups[name] else { return }
    var entry = AnsibleMapping()
    if name != "all", !group.hosts.isEmpty {
      entry[.string("hosts")] = .list(group.hosts.map(AnsibleValue.string))
    }
    var children: [AnsibleValue] = []
    for child in group.children {
      children.append(.string(child))
      if !seen.contains(child) {
        formatGroup(child, into: &results, seen: &seen)
        seen.insert(child)
      }
    }
    if !children.isEmpty { entry[.string("children")] = .list(children) }
    if !entry.isEmpty { results[.string(name)] = .map(entry) }
  }

  /// What `ansible-inventory --host PATTERN` prints: the variables of the one host the pattern
  /// selects (an implicit `localhost` when the inventory has none).
  public func ansibleHostText(_ pattern: String, reveal: Bool = false) throws(InventoryError)
    -> String
  {
    let selected = (try? selectHosts(pattern)) ?? []
    let variables: OrderedDictionary<String, ResolvedVariable>
    if selected.count == 1 {
      variables = hosts[selected[0]]!.variables
    } else if selected.isEmpty, Self.localhostNames.contains(pattern) {
      variables = implicitLocalhostVariables(pattern)
    } else {
      throw InventoryError(
        code: "unknown-host",
        selected.isEmpty
          ? "'\(pattern)' matches no host of \(path)"
          : "'\(pattern)' matches \(selected.count) hosts of \(path); --host takes one",
        remedy: "run `cluster-mgr inventory --graph` to see the hosts")
    }
    return AnsibleJSON.pretty(.map(displayVariables(variables, reveal: reveal)))
  }

  /// The variables of Ansible's implicit `localhost`: `all`'s, the host's own `ansible_connection:
  /// local`, `host_vars/NAME`, then `--extra-vars`.
  ///
  /// Ansible also sets `ansible_python_interpreter` to its own Python; cluster-mgr runs no Python
  /// and leaves it out.
  func implicitLocalhostVariables(_ name: String) -> OrderedDictionary<String, ResolvedVariable> {
    var variables = effectiveVariables(ofGroup: "all")
    let location = SourceLocation(file: path, line: 1, column: 1)
    variables["ansible_connection"] = ResolvedVariable(
      value: AnsibleValue.string("local"),
      origin: VariableOrigin(scope: .host(name), location: location, isVarsFile: false),
      node: nil)
    for (key, variable) in implicitHostVariables[name] ?? [:] { variables[key] = variable }
    for (key, value) in extraVariables.values {
      variables[key] = ResolvedVariable(
        value: value,
        origin: VariableOrigin(
          scope: .host(name), location: SourceLocation(file: "--extra-vars", line: 1, column: 1),
          isVarsFile: false),
        node: nil)
    }
    return variables
  }

  /// Variables for printing: Ansible's internal names left out, values from encrypted vars files
  /// masked unless `reveal`.
  func displayVariables(_ variables: OrderedDictionary<String, ResolvedVariable>, reveal: Bool)
    -> AnsibleMapping
  {
    var result = AnsibleMapping()
    for (name, variable) in variables where !Self.internalVariables.contains(name) {
      let masked = variable.origin.isEncryptedFile && !reveal
      result[.string(name)] = masked ? .string(Self.vaultMask) : variable.ansibleValue
    }
    return result
  }

  /// What `ansible-inventory --graph [GROUP] [--vars]` prints (nil for an unknown group).
  public func ansibleGraph(group: String = "all", showVariables: Bool = false, reveal: Bool = false)
    -> String?
  {
    guard groups[group] != nil else { return nil }
    let repr = PythonRepr(vaultMask: reveal ? nil : Self.vaultMask)
    return graphLines(group, depth: 0, showVariables: showVariables, reveal: reveal, repr: repr)
      .joined(separator: "\n")
  }

  private func graphLines(
    _ name: String, depth: Int, showVariables: Bool, reveal: Bool, repr: PythonRepr
  ) -> [String] {
    let group = groups[name]!
    var lines = [Self.graphName("@\(name):", depth)]
    for child in group.children {
      lines += graphLines(
        child, depth: depth + 1, showVariables: showVariables, reveal: reveal, repr: repr)
    }
    if name != "all" {
      for host in group.hosts {
        lines.append(Self.graphName(host, depth + 1))
        if showVariables {
          let variables = displayVariables(hosts[host]!.variables, reveal: reveal)
          lines += Self.variableLines(variables, depth: depth + 2, repr: repr)
        }
      }
    }
    if showVariables {
      var variables = displayVariables(group.variables, reveal: reveal)
      if group.priority != 1 { variables[.string("ansible_group_priority")] = .int(group.priority) }
      lines += Self.variableLines(variables, depth: depth + 1, repr: repr)
    }
    return lines
  }

  private static func variableLines(_ variables: AnsibleMapping, depth: Int, repr: PythonRepr)
    -> [String]
  {
    variables.entries.sorted { JSONText.pythonOrder($0.key.jsonKey, $1.key.jsonKey) }.map {
      graphName("{\($0.key.jsonKey) = \(repr.str($0.value))}", depth)
    }
  }

  private static func graphName(_ name: String, _ depth: Int) -> String {
    depth > 0 ? String(repeating: "  |", count: depth) + "--" + name : name
  }
}
