import Basics
import Engine
import Foundation

/// The agent token: servers accept it from agents only (K3s's `agent-token`), so root on an
/// agent cannot join a server with what it holds. cluster-mgr keeps its password on the first
/// server (root-only) and gives every server the same `agent-token`; agents get K3s's full
/// `K10<ca-hash>::node:<password>` form from `server/agent-token`, which pins the cluster's CA.
enum AgentToken {
  /// The password, made by cluster-mgr once and kept on the first server.
  static let passwordPath = "/var/lib/cluster-mgr/agent-token-password"
  /// The full agent token K3s writes once `agent-token` is set.
  static let tokenPath = "/var/lib/rancher/k3s/server/agent-token"
  /// Fact names on the first server.
  static let passwordFact = "agent_token_password"
  static let tokenFact = "agent_token"
  /// What config.yaml says under `--check` before the first server ever ran.
  static let checkModeValue = "<made on the first server, known once it runs>"
}

/// The agent token's password on the first server: read when it exists, else made here (random,
/// on the workstation) and written root-only; published as a secret fact for the servers'
/// config either way.
struct AgentTokenPassword: Resource {
  func probeScript(_ context: PlanContext) -> String {
    let path = ShellQuote.quote(AgentToken.passwordPath)
    return "[ -f \(path) ] && echo \"password=$(base64 -w0 < \(path))\""
  }

  func plan(current: ProbeSection, context: PlanContext) throws -> Plan {
    if let data = current.data("password"),
      case let password = String(decoding: data, as: UTF8.self)
        .trimmingCharacters(in: .whitespacesAndNewlines),
      !password.isEmpty
    {
      return .ok(
        "agent token password kept", facts: [AgentToken.passwordFact: Fact(password, secret: true)])
    }
    let password = FileHash.randomHex(bytes: 24)
    let path = AgentToken.passwordPath
    let apply = """
      umask 077
      mkdir -p \(ShellQuote.quote((path as NSString).deletingLastPathComponent))
      printf '%s\\n' \(ShellQuote.quote(password)) > \(ShellQuote.quote(path))
      """
    return Plan(
      .change, "agent token password: make one (agents get a token that cannot join servers)",
      apply: apply, facts: [AgentToken.passwordFact: Fact(password, secret: true)])
  }
}
