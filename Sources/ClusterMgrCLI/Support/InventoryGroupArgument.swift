/// `cluster-mgr inventory --graph GROUP`: the group as a bare word, as `ansible-inventory` takes
/// it.
///
/// ArgumentParser would read a bare word of `inventory` as a positional argument even when it names
/// a subcommand (`inventory add-host`), so the bare group is turned into `--pattern GROUP` before
/// parsing.
enum InventoryGroupArgument {
  /// Options of `cluster-mgr inventory` that take a value (the word after them is that value).
  ///
  /// A test checks this list against the binary's own help.
  static let valueOptions: Set<String> = [
    "-i", "--inventory", "--vault-id", "--vault-password-file", "--vault-pass-file", "--host",
    "--pattern", "-e", "--extra-vars",
  ]

  /// The subcommands of `inventory` (a bare word naming one is left alone).
  static let subcommands: Set<String> = ["add-host", "remove-host", "help"]

  /// `arguments` (without the program name) with the first bare word after `inventory` turned
  /// into `--pattern WORD`, unless it names a subcommand.
  static func normalized(_ arguments: [String]) -> [String] {
    guard arguments.first == "inventory" else { return arguments }
    var index = 1
    while index < arguments.count {
      let word = arguments[index]
      if word == "--" { return arguments }
      if word.hasPrefix("-"), word.count > 1 {
        index += valueOptions.contains(word) ? 2 : 1
        continue
      }
      if subcommands.contains(word) { return arguments }
      var result = arguments
      result.replaceSubrange(index...index, with: ["--pattern", word])
      return result
    }
    return arguments
  }
}
