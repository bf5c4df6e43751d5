import Engine
import SSHTransport

/// SSH settings and engine sessions for a lab, as cluster-mgr itself would use them.
public enum TestSessions {
  /// Options that trust exactly the lab's host keys and use the lab's key (no agent).
  public static func sshOptions(for lab: LabInstance) -> SSHOptions {
    var options = SSHOptions()
    options.knownHostsFiles = [lab.knownHostsPath]
    options.ownKnownHostsFile = lab.directory + "/cluster-mgr-known_hosts"
    options.useAgent = false
    options.defaultKeyFiles = []
    return options
  }

  /// The SSH target of a lab host for the login user with passwordless sudo.
  public static func target(_ host: LabHost, in lab: LabInstance) -> SSHTarget {
    SSHTarget(name: host.name, address: host.address, user: lab.user, keyFile: lab.keyPath)
  }

  /// Engine sessions over real SSH into `lab`'s hosts.
  public static func provider(for lab: LabInstance, forks: Int = 20) -> any HostSessionProvider {
    SSHHostSessionProvider(
      sessions: SSHSessions(options: sshOptions(for: lab), forks: forks),
      targets: lab.hosts.map { target($0, in: lab) })
  }
}
