import ClusterMgrTesting
import Foundation
import SSHTransport
import Testing

extension LabInstance {
  /// A target for `host` as the lab user with the lab key (or as `user` / with `keyFile`).
  func target(
    _ host: String, user: String? = nil, keyFile: String?? = .none, becomePassword: String? = nil
  ) -> SSHTarget {
    SSHTarget(
      name: host, address: self.host(host).address, user: user ?? self.user,
      keyFile: keyFile ?? keyPath, becomePassword: becomePassword)
  }

  /// Options that trust the lab's known_hosts and nothing of this machine's own SSH setup.
  func sshOptions(knownHosts: [String]? = nil, ownKnownHosts: String? = nil) -> SSHOptions {
    var options = SSHOptions()
    options.knownHostsFiles = knownHosts ?? [knownHostsPath]
    options.ownKnownHostsFile = ownKnownHosts ?? TemporaryDirectory.shared.file("own_known_hosts")
    options.useAgent = false
    options.agentSocket = nil
    options.defaultKeyFiles = []
    options.passphrase = { _ in nil }
    options.connectTimeout = .seconds(10)
    return options
  }

  /// Connects to `host` with the lab defaults.
  func connect(_ host: String, options: SSHOptions? = nil) async throws -> SSHConnection {
    try await SSHConnection.connect(to: target(host), options: options ?? sshOptions())
  }
}

/// A scratch directory for one test process, removed by nobody (it lives under /tmp).
final class TemporaryDirectory: Sendable {
  static let shared = TemporaryDirectory()
  let path: String

  init() {
    let dir = FileManager.default.temporaryDirectory
      .appendingPathComponent("cluster-mgr-ssh-tests-\(UUID().uuidString.prefix(8))")
    try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    path = dir.path
  }

  /// A fresh path inside the directory (not created).
  func file(_ name: String) -> String {
    path + "/" + UUID().uuidString.prefix(8) + "-" + name
  }
}

/// Expects `body` to throw an ``SSHError`` and returns it.
func expectSSHError(
  _ body: () async throws -> Void, sourceLocation: SourceLocation = #_sourceLocation
) async -> SSHError? {
  do {
    try await body()
    Issue.record("expected an SSHError, nothing was thrown", sourceLocation: sourceLocation)
  } catch let error as SSHError {
    return error
  } catch {
    Issue.record("expected an SSHError, got \(error)", sourceLocation: sourceLocation)
  }
  return nil
}

/// Runs a local program and returns its output; fails the test when it exits non-zero.
@discardableResult
func local(_ arguments: [String], environment: [String: String] = [:]) throws -> String {
  let result = try ProcessRunner.run(arguments, environment: environment)
  try #require(result.status == 0, "\(arguments.joined(separator: " ")): \(result.stderr)")
  return result.stdout
}
