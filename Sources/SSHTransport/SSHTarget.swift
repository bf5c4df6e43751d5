/// One SSH destination: where to connect, as whom, and which host keys to trust for it.
public struct SSHTarget: Sendable, Hashable, CustomStringConvertible {
  /// The name used in messages (the inventory host name).
  public var name: String
  /// A host name, an IPv4 address or an IPv6 address (without brackets).
  public var address: String
  /// The TCP port of sshd.
  public var port: Int
  /// The login user.
  public var user: String
  /// The private key file to try after the agent (`ansible_ssh_private_key_file`).
  public var keyFile: String?
  /// The sudo password (`ansible_become_password`); nil means passwordless sudo (`sudo -n`).
  public var becomePassword: String?
  /// Host keys known out of band, as `type base64` strings (Tailscale's `sshHostKeys`).
  public var trustedHostKeys: [String]

  /// Creates a target; `name` defaults to the address.
  public init(
    name: String? = nil, address: String, port: Int = 22, user: String, keyFile: String? = nil,
    becomePassword: String? = nil, trustedHostKeys: [String] = []
  ) {
    self.name = name ?? address
    self.address = address
    self.port = port
    self.user = user
    self.keyFile = keyFile
    self.becomePassword = becomePassword
    self.trustedHostKeys = trustedHostKeys
  }

  /// `name (user@address:port)`, never the password.
  public var description: String {
    let destination = "\(user)@\(address.contains(":") ? "[\(address)]" : address):\(port)"
    return name == address ? destination : "\(name) (\(destination))"
  }
}
