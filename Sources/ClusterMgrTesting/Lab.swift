import Foundation

/// One host of a running lab (a Debian 12 container booted by systemd-nspawn).
public struct LabHost: Sendable, Hashable {
  /// The host name, e.g. `lab-cp1`.
  public let name: String
  /// The host's address on its `tailscale0` interface (100.64.0.0/10).
  public let address: String
  /// `server` or `agent`, from the host name.
  public let role: String
  /// Whether the host plays a GPU node.
  public let gpu: Bool
}

extension LabHost {
  /// A host as `scripts/lab status --json` lists it.
  init(status: [String: Any]) {
    self.init(
      name: status["name"] as? String ?? "", address: status["ip"] as? String ?? "",
      role: status["role"] as? String ?? "", gpu: status["gpu"] as? Bool ?? false)
  }
}

/// A running lab instance started through `scripts/lab` (see docs/lab.md).
public struct LabInstance: Sendable {
  /// The lab's name (several labs run side by side).
  public let name: String
  /// The lab's state directory.
  public let directory: String
  /// The hosts, in boot order.
  public let hosts: [LabHost]
  /// The private key the lab's users accept.
  public let keyPath: String
  /// An OpenSSH known_hosts file with every host's keys.
  public let knownHostsPath: String
  /// A cluster-mgr inventory describing the lab.
  public let inventoryPath: String
  /// The unix socket of the lab's Tailscale LocalAPI emulator.
  public let socketPath: String
  /// The login user with passwordless sudo.
  public let user: String
  /// A second login user whose sudo needs ``sudoPassword``.
  public let passwordUser: String
  /// The sudo password of ``passwordUser``.
  public let sudoPassword: String
  /// The workstation's address on the lab network.
  public let gateway: String
  /// The lab's workstations (clean Debian 12 hosts with the user ``workstationUser``), in boot
  /// order; not in the inventory nor in the known_hosts file.
  public let workstations: [LabHost]
  /// The lab CA's certificate (every lab host trusts it; the release mirror's certificate is
  /// issued by it).
  public let caPath: String
  /// The release mirror's own base URL (`https://releases.lab-tailnet.ts.net`); hosts also reach
  /// it as `https://github.com`.
  public let mirrorURL: String
  /// The release mirror's request log: one JSON object per line (see ``mirrorRequests()``).
  public let mirrorLogPath: String
  /// The workstations' user (`alice`), when the lab has workstations.
  public let workstationUser: String?
  /// The private key of ``workstationUser`` (a copy is in her `~/.ssh/id_ed25519`).
  public let workstationKeyPath: String?
  /// The lab's Debian repository, the workstations' only apt source.
  public let debianRepositoryURL: String?

  /// The host-side bridge of the lab network (`cml<index>br`).
  public var bridgeName: String {
    "cml\(gateway.split(separator: ".").dropLast().last ?? "")br"
  }

  /// Boots (or keeps) the named hosts, and `workstations`, in the lab `name` and returns it;
  /// `light` hosts run sshd alone, without systemd (`scripts/lab up --light`).
  public static func up(
    name: String, hosts: [String], workstations: [String] = [], light: Bool = false
  ) throws -> LabInstance {
    var extra = workstations.isEmpty ? [] : ["--workstation", workstations.joined(separator: ",")]
    if light { extra.append("--light") }
    try lab(name, ["up", "--hosts", hosts.joined(separator: ",")] + extra)
    return try status(name: name)
  }

  /// Boots (or keeps) `count` hosts with the default names in the lab `name`.
  public static func up(name: String, count: Int) throws -> LabInstance {
    try lab(name, ["up", String(count)])
    return try status(name: name)
  }

  /// Reads the state of a running lab.
  public static func status(name: String) throws -> LabInstance {
    let result = try lab(name, ["status", "--json"])
    let json = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
    guard let json, let env = json["env"] as? [String: String],
      let hostList = json["hosts"] as? [[String: Any]]
    else { throw LabError(message: "unreadable `scripts/lab status --json` output") }
    let hosts = hostList.map(LabHost.init(status:))
    let workstations = (json["workstations"] as? [[String: Any]] ?? []).map(LabHost.init(status:))
    return LabInstance(
      name: name, directory: env["LAB_DIR"] ?? "", hosts: hosts, keyPath: env["LAB_KEY"] ?? "",
      knownHostsPath: env["LAB_KNOWN_HOSTS"] ?? "", inventoryPath: env["LAB_INVENTORY"] ?? "",
      socketPath: env["LAB_SOCKET"] ?? "", user: env["LAB_USER"] ?? "",
      passwordUser: env["LAB_PASSWORD_USER"] ?? "", sudoPassword: env["LAB_SUDO_PASSWORD"] ?? "",
      gateway: env["LAB_GATEWAY"] ?? "", workstations: workstations, caPath: env["LAB_CA"] ?? "",
      mirrorURL: env["LAB_MIRROR_URL"] ?? "", mirrorLogPath: env["LAB_MIRROR_LOG"] ?? "",
      workstationUser: env["LAB_WORKSTATION_USER"], workstationKeyPath: env["LAB_WORKSTATION_KEY"],
      debianRepositoryURL: env["LAB_DEBIAN_REPO_URL"])
  }

  /// Stops every process of the lab and removes its state.
  public func down() throws { try Self.lab(name, ["down"]) }

  /// The host (or workstation) called `name`.
  public func host(_ name: String) -> LabHost {
    guard let host = (hosts + workstations).first(where: { $0.name == name }) else {
      preconditionFailure("no lab host \(name) in \((hosts + workstations).map(\.name))")
    }
    return host
  }

  /// Runs `command` as root inside `host` without SSH (nsenter), for test setup and checks.
  @discardableResult
  public func exec(_ host: String, _ command: String) throws -> ProcessResult {
    try ProcessRunner.run([
      Repository.labScript, "--name", name, "exec", host, "--", "sh", "-c", command,
    ])
  }

  /// Powers `host` off (its disk is kept).
  public func stop(_ host: String) throws { try Self.lab(name, ["stop", host]) }

  /// Powers `host` on again.
  public func start(_ host: String) throws { try Self.lab(name, ["start", host]) }

  /// Switches the LocalAPI emulator to a scenario (`running`, `stopped`, `hang`, `fixture:PATH`, …).
  public func setTailscaleMode(_ mode: String) throws { try Self.lab(name, ["tailscale", mode]) }

  /// The environment a `cluster-mgr` run against this lab needs.
  public var environment: [String: String] {
    ["CLUSTER_MGR_TAILSCALE_SOCKET": socketPath, "CLUSTER_MGR_INVENTORY": inventoryPath]
  }

  @discardableResult
  static func lab(_ name: String, _ arguments: [String]) throws -> ProcessResult {
    let result = try ProcessRunner.run(
      [Repository.labScript, "--name", name] + arguments,
      environment: ["LAB_OWNER_PID": String(ProcessInfo.processInfo.processIdentifier)])
    guard result.status == 0 else {
      throw LabError(
        message: "scripts/lab \(arguments.joined(separator: " ")) failed (\(result.status)): "
          + result.stderr)
    }
    return result
  }
}

/// A lab operation that failed.
public struct LabError: Error, CustomStringConvertible {
  /// What went wrong.
  public let message: String
  /// The message.
  public var description: String { message }
}
