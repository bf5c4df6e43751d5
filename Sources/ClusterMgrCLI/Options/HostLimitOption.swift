import ArgumentParser

/// `--limit`: the inventory hosts a command works on.
struct HostLimitOption: ParsableArguments {
  @Option(
    name: [.customShort("l"), .long],
    help: ArgumentHelp(
      "Only these hosts: a host, a group, a glob (lab-w*), or Ansible patterns (a:b, a:!b, a:&b).",
      valueName: "pattern"))
  var limit: String?
}
