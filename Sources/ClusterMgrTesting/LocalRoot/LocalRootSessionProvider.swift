import Engine
import Foundation

/// Engine sessions into throwaway roots on this machine, one per host, made on first use and
/// removed with the provider: the engine's scripts run for real, unprivileged, without SSH or
/// a lab (see ``LocalRootSession``).
///
/// What a lab host has and a root does not: systemd, a kernel of its own (modules, sysctls), a
/// second user, sshd, sudo and the network. Scripts that need them fail as on a host that
/// lacks them; tests of those stay lab tests.
public final class LocalRootSessionProvider: HostSessionProvider, @unchecked Sendable {
  private let sharesNetwork: Bool
  private let lock = NSLock()
  private var base: URL?
  private var sessions: [String: LocalRootSession] = [:]

  /// Roots without a network (`sharesNetwork`: with this machine's, loopback included).
  public init(sharesNetwork: Bool = false) {
    self.sharesNetwork = sharesNetwork
  }

  deinit {
    for session in sessions.values { session.root.remove() }
    if let base { try? FileManager.default.removeItem(at: base) }
  }

  public func session(for host: String) async throws -> any HostSession {
    do { return try localSession(for: host) } catch {
      throw HostUnreachable(
        host: host, step: "connect", message: "cannot make its local root: \(error)")
    }
  }

  /// Nothing to close: a root lives as long as the provider.
  public func closeAll() async {}

  /// The root of `host` (made when it does not exist yet).
  public func root(_ host: String) throws -> LocalRoot { try localSession(for: host).root }

  /// Runs `command` with `sh -c` as root in `host`'s sandbox, outside any run (not a round
  /// trip): what `LabInstance.exec` is to a lab host.
  @discardableResult
  public func exec(_ host: String, _ command: String) throws -> ProcessResult {
    let session = try localSession(for: host)
    let outcome = try SandboxProcess.runBlocking(
      session.sandbox.arguments(["/bin/sh", "-c", command]), input: [], timeout: .seconds(120))
    return ProcessResult(
      status: outcome.status, stdout: String(decoding: outcome.stdout, as: UTF8.self),
      stderr: String(decoding: outcome.stderr, as: UTF8.self))
  }

  private func localSession(for host: String) throws -> LocalRootSession {
    try lock.withLock {
      if let session = sessions[host] { return session }
      guard !host.isEmpty, !host.contains("/"), host != ".", host != ".." else {
        throw LocalRootError(message: "\(host) cannot name a directory")
      }
      let base = try baseDirectory()
      let root = try LocalRoot.create(host: host, in: base.appendingPathComponent(host))
      let session = LocalRootSession(root: root, sharesNetwork: sharesNetwork)
      sessions[host] = session
      return session
    }
  }

  /// This provider's directory of roots (under the temporary directory), made on first use.
  private func baseDirectory() throws -> URL {
    if let base { return base }
    let url = FileManager.default.temporaryDirectory.appendingPathComponent(
      "cm-local-roots-\(UUID().uuidString.prefix(8))")
    try FileManager.default.createDirectory(
      at: url, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
    base = url
    return url
  }
}

/// A local root could not be made.
struct LocalRootError: Error, CustomStringConvertible {
  let message: String
  var description: String { message }
}
