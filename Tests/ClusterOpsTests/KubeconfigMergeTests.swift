import ClusterMgrTesting
import ClusterOps
import Foundation
import Testing

/// The server's admin kubeconfig merged into the workstation's: renamed, pointed at the
/// Tailscale address, other contexts untouched, written 0600, idempotent.
@Suite struct KubeconfigMergeTests {
  static let server = """
    apiVersion: v1
    clusters:
    - cluster:
        certificate-authority-data: Q0EtREFUQQ==
        server: https://127.0.0.1:6443
      name: default
    contexts:
    - context:
        cluster: default
        user: default
      name: default
    current-context: default
    kind: Config
    preferences: {}
    users:
    - name: default
      user:
        client-certificate-data: Q0VSVA==
        client-key-data: S0VZ
    """

  static let existing = """
    apiVersion: v1
    kind: Config
    clusters:
    - name: work
      cluster:
        server: https://work.example.com
    users:
    - name: work-user
      user:
        token: work-token
    contexts:
    - name: work
      context:
        cluster: work
        user: work-user
    current-context: work
    """

  @Test func mergesBesideOtherContextsWithoutTakingTheCurrentOne() throws {
    let merged = try KubeconfigMerge.merge(
      existing: Self.existing, serverConfig: Self.server, name: "homelab", server: "https://100.64.1.10:6443")
    #expect(merged.contains("server: https://work.example.com"))
    #expect(merged.contains("token: work-token"))
    #expect(merged.contains("server: https://100.64.1.10:6443"))
    #expect(merged.contains("name: homelab-admin"))
    #expect(merged.contains("client-key-data: S0VZ"))
    #expect(merged.contains("current-context: work"))
    #expect(!merged.contains("127.0.0.1"))
  }

  @Test func anEmptyFileGetsTheContextAsCurrent() throws {
    let merged = try KubeconfigMerge.merge(existing: "", serverConfig: Self.server, name: "homelab", server: "https://h:6443")
    #expect(merged.contains("current-context: homelab"))
  }

  @Test func writingTwiceChangesNothingTheSecondTimeAndKeepsTheFilePrivate() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("kubeconfig-\(UUID().uuidString)")
    let path = dir.appendingPathComponent("config").path
    defer { try? FileManager.default.removeItem(at: dir) }
    #expect(try KubeconfigMerge.write(serverConfig: Self.server, name: "homelab", server: "https://h:6443", to: path) == .updated)
    #expect(try KubeconfigMerge.write(serverConfig: Self.server, name: "homelab", server: "https://h:6443", to: path) == .unchanged)
    let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
    #expect(mode == 0o600)
    #expect(try KubeconfigMerge.write(serverConfig: Self.server, name: "homelab", server: "https://other:6443", to: path) == .updated)
  }

  @Test func aBrokenServerConfigIsAClearError() {
    #expect(throws: KubeconfigError.self) {
      try KubeconfigMerge.merge(existing: "", serverConfig: "clusters: []", name: "x", server: "https://h:6443")
    }
  }
}

/// Deploy keys made without ssh-keygen are keys ssh-keygen accepts.
@Suite struct DeployKeyTests {
  @Test func aGeneratedKeyIsAValidOpenSSHKey() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("deploykey-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: dir) }
    let path = dir.appendingPathComponent("identity").path
    let (pair, created) = try DeployKeyPair.loadOrCreate(at: path, comment: "flux-test")
    #expect(created)
    let derived = try ProcessRunner.run(["ssh-keygen", "-y", "-f", path])
    #expect(derived.status == 0, "\(derived.stderr)")
    #expect(derived.stdout.split(separator: " ").prefix(2) == pair.publicKey.split(separator: " ").prefix(2))
    let (again, createdAgain) = try DeployKeyPair.loadOrCreate(at: path, comment: "flux-test")
    #expect(!createdAgain)
    #expect(again.publicKey == pair.publicKey)
    #expect((try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int) == 0o600)
  }
}
