import ArgumentParser
import ClusterOps
import Engine
import Foundation
import SSHTransport

/// What a run touches: `--limit`, `--tags`, `--skip-tags`, `--extra-vars`.
struct SelectionOptions: ParsableArguments {
  @OptionGroup var hostLimit: HostLimitOption
  var limit: String? { hostLimit.limit }

  @Option(
    name: [.customShort("t"), .long],
    help: ArgumentHelp(
      "Only tasks with one of these tags (comma-separated). A role's tags and its name apply to all its tasks; `always` tasks run unless skipped by name.",
      valueName: "tags"))
  var tags: String?

  @Option(
    name: .long,
    help: ArgumentHelp("Never tasks with one of these tags (comma-separated).", valueName: "tags"))
  var skipTags: String?

  @Option(
    name: [.customShort("e"), .long],
    help: ArgumentHelp(
      "Variables above every inventory source: a JSON object or key=value pairs (repeatable).",
      valueName: "vars"))
  var extraVars: [String] = []

  static func list(_ text: String?) -> Set<String> {
    Set(
      (text ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter {
        !$0.isEmpty
      })
  }
}

/// How a run behaves: `--check`, `--diff`, `--forks`, `--serial`, failure policy.
struct BehaviourOptions: ParsableArguments {
  @Flag(
    name: [.customShort("C"), .long],
    help: "Report what would change; change nothing (works on fresh hosts).")
  var check = false

  @Flag(name: [.customShort("D"), .long], help: "Show unified diffs of files (secrets masked).")
  var diff = false

  @Option(name: [.customShort("f"), .long], help: "Hosts worked on at once.")
  var forks = 20

  @Option(help: "In plays that run hosts in parallel, work on this many hosts at a time (rolling).")
  var serial: Int?

  @Flag(help: "Stop starting hosts after the first failure.")
  var failFast = false

  @Option(help: "Abort when more than this percentage of a play's hosts failed.")
  var maxFailPercentage: Int?

  /// The engine options these flags describe.
  func runOptions(tags: Set<String>, skipTags: Set<String>) -> RunOptions {
    var options = RunOptions()
    options.checkMode = check
    options.diffMode = diff
    options.forks = max(1, forks)
    options.serial = serial
    options.failFast = failFast
    options.maxFailPercentage = maxFailPercentage
    options.tags = tags
    options.skipTags = skipTags
    return options
  }
}

/// How hosts are reached: `--accept-new`, `--socket`, `--connect-timeout`.
struct ConnectionOptions: ParsableArguments {
  @Flag(
    help:
      "Record the host key of a host seen for the first time (like OpenSSH's accept-new) instead of refusing it."
  )
  var acceptNew = false

  @Option(
    help: ArgumentHelp(
      "The local tailscaled's LocalAPI socket (default: $CLUSTER_MGR_TAILSCALE_SOCKET, else the platform's).",
      valueName: "path"))
  var socket: String?

  @Option(help: "Seconds to wait for a host's SSH connection.")
  var connectTimeout = 10

  @Flag(
    name: [.customShort("K"), .long],
    help:
      "Ask for the sudo password once, for the hosts without ansible_become_password (like Ansible's -K)."
  )
  var askBecomePass = false

  /// SSH options for these flags (strict host keys unless --accept-new); with --ask-become-pass
  /// the password is asked here, once, on the terminal.
  func sshOptions() throws -> SSHOptions {
    var options = SSHOptions()
    options.acceptNewHostKeys = acceptNew
    options.connectTimeout = .seconds(max(1, connectTimeout))
    if askBecomePass {
      guard let password = SecretPrompt.readHidden(prompt: "BECOME password: ") else {
        throw ValidationError(
          "--ask-become-pass needs a terminal to ask on; set ansible_become_password for the hosts instead."
        )
      }
      options.becomePassword = password
    }
    return options
  }
}

extension ConnectionOptions {
  /// The inventory's cluster, with connections that follow these options.
  func context(_ inventory: InventoryOptions) async throws -> ClusterContext {
    try await ClusterContext.load(
      inventoryPath: inventory.path, sshOptions: try sshOptions(), tailscaleSocket: socket)
  }
}
