import Foundation
import Inventory
import SSHTransport

/// `cluster-mgr ping`: reaches every selected host in parallel (at most `forks` at once) and
/// checks SSH, authentication, sudo, the OS, the architecture and the Tailscale address, in one
/// request per host when sudo works.
public enum PingOperation {
  /// Pings `hosts` (inventory names, in that order) through the context's sessions.
  public static func run(context: ClusterContext, hosts: [String]) async -> PingReport {
    let targets = hosts.compactMap { context.targets[$0] }
    let nodes = Dictionary(context.nodes.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
    let outcomes = await context.sessions.forEach(targets) { target, connection in
      await probe(connection, expectedTailscaleIP: nodes[target.name]?.tailscaleIP)
    }
    var results: [PingResult] = []
    for (target, outcome) in zip(targets, outcomes) {
      switch outcome {
      case .success(let result): results.append(result)
      case .failure(let error):
        results.append(
          failure(target, error, expectedTailscaleIP: nodes[target.name]?.tailscaleIP))
      }
    }
    await context.sessions.closeAll()
    return PingReport(results: results)
  }

  static let probeTimeout = Duration.seconds(30)

  private static func probe(
    _ connection: SSHConnection, expectedTailscaleIP: String?
  ) async -> PingResult {
    let target = connection.target
    var result = PingResult(
      host: target.name, address: target.address, status: .ok, reachable: true,
      authentication: await connection.authentication.description, sudo: .unknown, os: nil,
      architecture: nil, tailscale: nil, roundTrips: 0, problem: nil)
    var output: ExecResult?
    do {
      output = try await connection.executeChecked(
        .script(PingProbe.script, sudo: true, timeout: probeTimeout, step: "probe as root"))
      result.sudo = .ok
    } catch {
      switch error.kind {
      case .sudoPasswordRequired: result.sudo = .passwordRequired
      case .sudoPasswordWrong: result.sudo = .wrongPassword
      case .sudoFailed: result.sudo = .failed
      default: break
      }
      result.status =
        error.kind == .unreachable
        ? .unreachable : (result.sudo == .unknown ? .failed : .sudoFailed)
      result.reachable = error.kind != .unreachable
      result.problem = problem(error)
      if result.sudo != .unknown {
        // Facts without root, so the line still says what the host is.
        output = try? await connection.executeChecked(
          .script(PingProbe.script, timeout: probeTimeout, step: "probe"))
      }
    }
    if let output {
      let facts = PingProbe(output: output.stdoutText)
      if result.sudo == .ok, facts.uid != "0" {
        result.sudo = .failed
        result.status = .sudoFailed
        result.problem = PingResult.Problem(
          kind: SSHError.Kind.sudoFailed.rawValue, step: "probe as root",
          message:
            "\(target.name): probe as root: sudo ran the probe as uid \(facts.uid ?? "?"), not root.",
          remedy: "Check the sudoers rule for \(target.user).")
      }
      result.os = PingResult.OperatingSystem(
        id: facts.osID, name: facts.osName, version: facts.osVersion)
      result.architecture = facts.architecture
      result.tailscale = tailscale(observed: facts.tailscaleIP, inventory: expectedTailscaleIP)
      if result.status == .ok, result.tailscale?.matches == false {
        result.status = .drift
        result.problem = PingResult.Problem(
          kind: "drift", step: "tailscale address",
          message: "\(target.name): tailscale address: the host's Tailscale IPv4 is "
            + "\(facts.tailscaleIP ?? "none"), but the inventory says \(expectedTailscaleIP ?? "-").",
          remedy: "Update tailscale_ip in the inventory (cluster-mgr discover shows the tailnet), "
            + "or check that tailscaled runs on the host.")
      }
    }
    result.roundTrips = await connection.roundTrips
    return result
  }

  private static func tailscale(observed: String?, inventory: String?)
    -> PingResult.TailscaleAddress
  {
    PingResult.TailscaleAddress(
      observed: observed, inventory: inventory,
      matches: inventory.map { $0 == observed })
  }

  private static func failure(
    _ target: SSHTarget, _ error: any Error, expectedTailscaleIP: String?
  ) -> PingResult {
    let sshError = error as? SSHError
    let status: PingResult.Status
    switch sshError?.kind {
    case .unreachable?: status = .unreachable
    case .authFailed?: status = .authFailed
    case .hostKeyUnknown?, .hostKeyMismatch?: status = .hostKey
    default: status = .failed
    }
    return PingResult(
      host: target.name, address: target.address, status: status, reachable: false,
      authentication: nil, sudo: .unknown, os: nil, architecture: nil,
      tailscale: PingResult.TailscaleAddress(
        observed: nil, inventory: expectedTailscaleIP, matches: nil),
      roundTrips: 0,
      problem: sshError.map(problem)
        ?? PingResult.Problem(
          kind: "failed", step: "connect", message: "\(target.name): \(error)", remedy: nil))
  }

  private static func problem(_ error: SSHError) -> PingResult.Problem {
    PingResult.Problem(
      kind: error.kind.rawValue, step: error.step, message: error.message, remedy: error.remedy)
  }
}
