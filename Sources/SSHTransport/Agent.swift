import CLibSSH2
import Foundation

/// A connection to ssh-agent for one session's authentication.
final class Agent {
  /// One key the agent holds.
  struct Identity {
    let pointer: UnsafeMutablePointer<libssh2_agent_publickey>
    let key: SSHHostKey?
    /// The key's comment, else its fingerprint.
    let label: String
  }

  private let session: LibSSH2Session
  private let socket: String?
  private var handle: OpaquePointer?
  private var listed: [Identity]?
  /// Why there are no identities, in words.
  private(set) var problem = "not used"

  init(session: LibSSH2Session, socket: String?) {
    self.session = session
    self.socket = socket
  }

  /// The agent's keys, or nil (see ``problem``) when there is no agent to ask.
  func identities() -> [Identity]? {
    if let listed { return listed }
    guard let socket, !socket.isEmpty else {
      problem = "not running: SSH_AUTH_SOCK is not set"
      return nil
    }
    guard handle == nil, let agent = libssh2_agent_init(session.raw) else { return nil }
    handle = agent
    libssh2_agent_set_identity_path(agent, socket)
    guard libssh2_agent_connect(agent) == 0 else {
      problem = "cannot connect to \(socket)"
      return nil
    }
    guard libssh2_agent_list_identities(agent) == 0 else {
      problem = "cannot list its keys"
      return nil
    }
    var result: [Identity] = []
    var previous: UnsafeMutablePointer<libssh2_agent_publickey>?
    var current: UnsafeMutablePointer<libssh2_agent_publickey>?
    while libssh2_agent_get_identity(agent, &current, previous) == 0, let identity = current {
      let blob = Data(bytes: identity.pointee.blob, count: identity.pointee.blob_len)
      let key = SSHHostKey(blob: blob)
      let comment = identity.pointee.comment.map { String(cString: $0) } ?? ""
      result.append(
        Identity(
          pointer: identity, key: key, label: comment.isEmpty ? key?.fingerprint ?? "?" : comment))
      previous = identity
    }
    listed = result
    return result
  }

  /// Asks the agent to sign the authentication request with `identity`.
  func authenticate(user: String, identity: UnsafeMutablePointer<libssh2_agent_publickey>) -> Int32
  {
    guard let handle else { return LIBSSH2_ERROR_BAD_USE }
    return libssh2_agent_userauth(handle, user, identity)
  }

  func close() {
    guard let handle else { return }
    libssh2_agent_disconnect(handle)
    libssh2_agent_free(handle)
    self.handle = nil
  }
}
