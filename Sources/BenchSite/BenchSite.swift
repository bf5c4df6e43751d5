import ArgumentParser
import Basics
import Engine
import Foundation
import Inventory
import SSHTransport

/// `bench-site`: the benchmark's reference workload on cluster-mgr's engine, over SSH, on the
/// hosts of an inventory. Used by scripts/bench; prints one JSON summary line with --json.
@main
struct BenchSite: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "bench-site",
    abstract: "Run the benchmark's reference workload (one K3s node's prerequisites and offline install) with cluster-mgr's engine.")

  @Option(name: [.customShort("i"), .long], help: "The inventory with the hosts under test.")
  var inventory: String

  @Option(help: "The workload's site variables (site-vars.json).")
  var vars: String

  @Option(help: "The 40 MiB binary installed as /usr/local/bin/k3s.")
  var binary: String

  @Option(help: "The shared cluster token (never printed).")
  var token: String

  @Option(name: .customLong("system-reserved"), help: "HOST=VALUE: k3s_system_reserved for one host (repeatable).")
  var systemReserved: [String] = []

  @Option(help: "A known_hosts file with the hosts' keys.")
  var knownHosts: String?

  @Option(help: "Hosts worked on at once.")
  var forks = 20

  @Flag(help: "Report what would change without changing anything.")
  var check = false

  @Flag(help: "Print one JSON summary line instead of the recap.")
  var json = false

  @Flag(help: "Print each host's phases with timestamps on stderr (for profiling).")
  var trace = false

  func run() async throws {
    let resolved = try InventoryLoader.load(path: inventory)
    // The workload is not a cluster: every host, no cluster-level validation.
    let nodes = resolved.hostNames.compactMap(resolved.node)
    let site = try JSONDecoder().decode(BenchRole.SiteVars.self, from: Data(contentsOf: URL(fileURLWithPath: vars)))
    var overrides: [String: String] = [:]
    for entry in systemReserved {
      guard let eq = entry.firstIndex(of: "=") else { throw ValidationError("--system-reserved needs HOST=VALUE") }
      overrides[String(entry[..<eq])] = String(entry[entry.index(after: eq)...])
    }
    let redactor = SecretRedactor()
    redactor.register(token)
    let role = BenchRole(
      site: site, nodes: nodes.map { .init(name: $0.name, ip: $0.tailscaleIP ?? $0.address) },
      binary: (binary, try FileHash.sha256(path: binary)), token: token, systemReserved: overrides,
      files: try RoleFiles.locate()
    ).role
    var ssh = SSHOptions()
    if let knownHosts { ssh.knownHostsFiles.append(knownHosts) }
    // The workload's ansible.cfg gives Ansible `timeout = 30`; the same here. On a loaded 2-core
    // lab machine sshd's PAM session setup (pam_systemd starting user@.service) can take longer
    // than the default 10 s, which bounds opening the session channel too.
    ssh.connectTimeout = .seconds(30)
    let targets = nodes.map {
      SSHTarget(
        name: $0.name, address: $0.address, port: $0.port, user: $0.user ?? "root",
        keyFile: $0.privateKeyFile, becomePassword: $0.becomePassword)
    }
    var options = RunOptions()
    options.forks = forks
    options.checkMode = check
    let sessions = SSHHostSessionProvider(sessions: SSHSessions(options: ssh, forks: forks), targets: targets)
    let runner = Runner(sessions: sessions, options: options, observer: trace ? TraceObserver() : SilentObserver(), redactor: redactor)
    let report = await runner.run([Play("bench site", hosts: nodes.map(\.name), roles: [role])])
    await sessions.closeAll()
    if json {
      let summary: [String: Any] = [
        "hosts": report.recaps.count, "ok": report.recaps.map(\.ok).reduce(0, +),
        "changed": report.recaps.map(\.changed).reduce(0, +), "failed": report.recaps.map(\.failed).reduce(0, +),
        "unreachable": report.recaps.map(\.unreachable).reduce(0, +),
        "round_trips": report.recaps.map(\.roundTrips).reduce(0, +), "seconds": report.duration,
      ]
      print(String(decoding: try JSONSerialization.data(withJSONObject: summary, options: [.sortedKeys]), as: UTF8.self))
    } else {
      for recap in report.recaps {
        print("\(recap.host): ok=\(recap.ok) changed=\(recap.changed) unreachable=\(recap.unreachable) failed=\(recap.failed) skipped=\(recap.skipped) round_trips=\(recap.roundTrips)")
      }
    }
    for result in report.results where result.status == .failed || result.status == .unreachable {
      FileHandle.standardError.write(Data("\(result.host): \(result.task): \(result.failure ?? result.summary)\n".utf8))
    }
    if !report.succeeded { throw ExitCode(ExitStatus.failure) }
  }
}

struct SilentObserver: RunObserver {
  func handle(_ event: RunEvent) {}
}

/// `--trace`: one stderr line per host phase, with the time since the observer was created.
struct TraceObserver: RunObserver {
  let start = ContinuousClock.now

  func handle(_ event: RunEvent) {
    let line: String
    switch event {
    case .hostPhase(_, let host, let phase): line = "\(host) \(phase)"
    case .hostFinished(_, let host, let recap): line = "\(host) done ok=\(recap.ok) changed=\(recap.changed)"
    default: return
    }
    let elapsed = start.duration(to: .now)
    let ms = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
    FileHandle.standardError.write(Data(String(format: "%8.1f ms  %@\n", ms, line).utf8))
  }
}
