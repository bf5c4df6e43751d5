import ClusterMgrTesting
import Foundation
import Testing

/// Runs `cluster-mgr ping` against a lab, isolated from this machine's SSH setup: a scratch HOME
/// (no ~/.ssh keys or known_hosts), no ssh-agent, and a scratch state directory.
struct PingRun {
  let lab: LabInstance
  let home: String
  let state: String

  init(lab: LabInstance) throws {
    self.lab = lab
    home = try DiscoverRun.temporaryDirectory()
    state = try DiscoverRun.temporaryDirectory()
  }

  /// `cluster-mgr ping ARGS` with the lab's inventory and LocalAPI socket (unless overridden).
  func run(_ arguments: [String], environment: [String: String] = [:]) throws -> ProcessResult {
    var env = lab.environment
    env["HOME"] = home
    env["SSH_AUTH_SOCK"] = ""
    env["CLUSTER_MGR_STATE_DIR"] = state
    env["NO_COLOR"] = "1"
    for (key, value) in environment { env[key] = value }
    return try ProcessRunner.run(
      [Repository.clusterMgrBinary, "ping"] + arguments, environment: env)
  }

  /// `ping ARGS --output json`, decoded, with its exit status.
  func json(_ arguments: [String], environment: [String: String] = [:]) throws -> (
    Int32, [String: Any]
  ) {
    let result = try run(arguments + ["--output", "json"], environment: environment)
    let document = try #require(
      try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any],
      "not JSON: \(result.stdout) \(result.stderr)")
    return (result.status, document)
  }

  /// The host objects of a JSON report, by host name.
  static func hosts(_ report: [String: Any]) -> [String: [String: Any]] {
    let list = report["hosts"] as? [[String: Any]] ?? []
    return Dictionary(
      list.map { ($0["host"] as? String ?? "", $0) }, uniquingKeysWith: { a, _ in a })
  }

  /// The table row for `host` in text output.
  static func row(_ output: String, _ host: String) -> String? {
    output.split(separator: "\n").map(String.init).first { $0.hasPrefix(host + " ") }
  }

  /// An inventory like the lab's, with `overrides` added to the named hosts' variables.
  func inventory(overrides: [String: [String: String]]) throws -> String {
    var lines = [
      "all:", "  vars:", "    ansible_user: \(lab.user)",
      "    ansible_ssh_private_key_file: \(lab.keyPath)", "  children:", "    control_plane:",
      "      hosts:",
    ]
    for host in lab.hosts where host.role == "server" { lines += block(host, overrides) }
    lines += ["    workers:", "      hosts:"]
    for host in lab.hosts where host.role != "server" { lines += block(host, overrides) }
    let path = home + "/hosts-\(UUID().uuidString.prefix(6)).yml"
    try (lines.joined(separator: "\n") + "\n").write(
      toFile: path, atomically: true, encoding: .utf8)
    return path
  }

  private func block(_ host: LabHost, _ overrides: [String: [String: String]]) -> [String] {
    var variables = ["ansible_host": host.address, "tailscale_ip": host.address]
    for (key, value) in overrides[host.name] ?? [:] { variables[key] = value }
    return ["        \(host.name):"]
      + variables.sorted { $0.key < $1.key }.map { "          \($0.key): \"\($0.value)\"" }
  }
}
