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

  /// The host-side bridge of the lab network (`cml<index>br`).
  public var bridgeName: String {
    "cml\(gateway.split(separator: ".").dropLast().last ?? "")br"
  }

  /// Boots (or keeps) the named hosts in the lab `name` and returns it.
  public static func up(name: String, hosts: [String]) throws -> LabInstance {
    try lab(name, ["up", "--hosts", hosts.joined(separator: ",")])
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
    let hosts = hostList.map {
      LabHost(
        name: $0["name"] as? String ?? "", address: $0["ip"] as? String ?? "",
        role: $0["role"] as? String ?? "", gpu: $0["gpu"] as? Bool ?? false)
    }
    return LabInstance(
      name: name, directory: env["LAB_DIR"] ?? "", hosts: hosts, keyPath: env["LAB_KEY"] ?? "",
      knownHostsPath: env["LAB_KNOWN_HOSTS"] ?? "", inventoryPath: env["LAB_INVENTORY"] ?? "",
      socketPath: env["LAB_SOCKET"] ?? "", user: env["LAB_USER"] ?? "",
      passwordUser: env["LAB_PASSWORD_USER"] ?? "", sudoPassword: env["LAB_SUDO_PASSWORD"] ?? "",
      gateway: env["LAB_GATEWAY"] ?? "")
  }

  /// Stops every process of the lab and removes its state.
  public func down() throws { try Self.lab(name, ["down"]) }

  /// The host called `name`.
  public func host(_ name: String) -> LabHost {
    guard let host = hosts.first(where: { $0.name == name }) else {
      preconditionFailure("no lab host \(name) in \(hosts.map(\.name))")
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
