import OrderedCollections

/// Finds `group_vars/` and `host_vars/` files next to an inventory the way Ansible's
/// `host_group_vars` plugin does.
enum VarsFiles {
  static let extensions = [".yml", ".yaml", ".json"]

  /// The directory holding `group_vars/` and `host_vars/` for an inventory file.
  static func baseDirectory(ofInventory path: String) -> String {
    directoryName(path)
  }

  /// `group_vars` or `host_vars` under the inventory's directory, spelled for messages.
  static func subdirectory(_ name: String, ofInventory path: String) -> String {
    let base = baseDirectory(ofInventory: path)
    return base == "." ? name : joinPath(base, name)
  }

  /// The files that define variables for `entity` in `directory` (`group_vars` or
  /// `host_vars`), in load order: later files override earlier ones.
  ///
  /// Ansible takes the first that exists of `NAME` (a directory or a file), `NAME.yml`,
  /// `NAME.yaml`, `NAME.json`; a directory contributes every file below it, sorted, skipping
  /// hidden files, backups (`~`), and files with other extensions.
  static func files(for entity: String, in directory: String, access: FileAccess) -> [String] {
    guard !entity.hasPrefix("/"), access.isDirectory(directory) else { return [] }
    for suffix in [""] + extensions {
      let candidate = joinPath(directory, entity + suffix)
      guard access.exists(candidate) else { continue }
      if access.isDirectory(candidate) {
        return filesBelow(candidate, access: access)
      }
      return [candidate]
    }
    return []
  }

  private static func filesBelow(_ directory: String, access: FileAccess) -> [String] {
    var found: [String] = []
    let names = access.list(directory).sorted(by: JSONText.pythonOrder)
    for name in names where !name.hasPrefix(".") && !name.hasSuffix("~") {
      let path = joinPath(directory, name)
      let ext = fileExtension(name)
      if access.isDirectory(path) {
        if ext.isEmpty { found += filesBelow(path, access: access) }
      } else if ext.isEmpty || extensions.contains(ext) {
        found.append(path)
      }
    }
    return found
  }

  /// Python's `os.path.splitext(name)[1]`.
  static func fileExtension(_ name: String) -> String {
    let stripped = name.drop { $0 == "." }
    guard let dot = stripped.lastIndex(of: ".") else { return "" }
    return String(stripped[dot...])
  }
}
