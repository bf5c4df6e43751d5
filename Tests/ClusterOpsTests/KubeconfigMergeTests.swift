import ClusterMgrTesting
import ClusterOps
import Foundation
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// The server's admin kubeconfig merged into the workstation's: renamed, pointed at the
/// Tailscale address, other contexts untouched, written 0600, idempotent.
@Suite struct KubeconfigMergeTests {
  static let server = """
    apiVersion: v1
    clusters:
    - cluster:
        certificate-authority-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tClEwRUsKLS0tLS1FTkQgQ0VSVElGSUNBVEUtLS0tLQo=
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
        client-certificate-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tClEwVlNWQW89Ci0tLS0tRU5EIENFUlRJRklDQVRFLS0tLS0K
        client-key-data: LS0tLS1CRUdJTiBFQyBQUklWQVRFIEtFWS0tLS0tClMwVlpDZz09Ci0tLS0tRU5EIEVDIFBSSVZBVEUgS0VZLS0tLS0K
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
      existing: Self.existing, serverConfig: Self.server, name: "homelab",
      server: "https://100.64.1.10:6443")
    #expect(merged.contains("server: https://work.example.com"))
    #expect(merged.contains("token: work-token"))
    #expect(merged.contains("server: https://100.64.1.10:6443"))
    #expect(merged.contains("name: homelab-admin"))
    #expect(
      merged.contains(
        "client-key-data: LS0tLS1CRUdJTiBFQyBQUklWQVRFIEtFWS0tLS0tClMwVlpDZz09Ci0tLS0tRU5EIEVDIFBSSVZBVEUgS0VZLS0tLS0K"
      ))
    #expect(merged.contains("current-context: work"))
    #expect(!merged.contains("127.0.0.1"))
  }

  @Test func anEmptyFileGetsTheContextAsCurrent() throws {
    let merged = try KubeconfigMerge.merge(
      existing: "", serverConfig: Self.server, name: "homelab", server: "https://h:6443")
    #expect(merged.contains("current-context: homelab"))
  }

  @Test func writingTwiceChangesNothingTheSecondTimeAndKeepsTheFilePrivate() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent(
      "kubeconfig-\(UUID().uuidString)")
    let path = dir.appendingPathComponent("config").path
    defer { try? FileManager.default.removeItem(at: dir) }
    #expect(
      try KubeconfigMerge.write(
        serverConfig: Self.server, name: "homelab", server: "https://h:6443", to: path) == .updated)
    #expect(
      try KubeconfigMerge.write(
        serverConfig: Self.server, name: "homelab", server: "https://h:6443", to: path)
        == .unchanged)
    let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
    #expect(mode == 0o600)
    #expect(
      try KubeconfigMerge.write(
        serverConfig: Self.server, name: "homelab", server: "https://other:6443", to: path)
        == .updated)
  }

  /// What a compromised server could plant in its k3s.yaml to run code on, or weaken TLS of, the
  /// workstation: each is refused, and nothing is written.
  @Test(arguments: [
    ("user", "exec: {apiVersion: client.authentication.k8s.io/v1, command: sh, args: [-c, id]}"),
    ("user", "auth-provider: {name: oidc}"),
    ("user", "token: stolen"),
    ("user", "tokenFile: /etc/shadow"),
    ("cluster", "proxy-url: http://evil.example:3128"),
    ("cluster", "insecure-skip-tls-verify: true"),
    ("cluster", "tls-server-name: evil.example"),
  ])
  func plantedSettingsInTheServersKubeconfigAreRefused(entry: String, planted: String) throws {
    let anchor = entry == "user" ? "    client-key-data: " : "    server: https://127.0.0.1:6443"
    let lines = Self.server.split(separator: "\n", omittingEmptySubsequences: false).map(
      String.init)
    let poisoned = lines.flatMap { $0.hasPrefix(anchor) ? [$0, "    " + planted] : [$0] }
      .joined(separator: "\n")
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent(
      "kubeconfig-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: dir) }
    let path = dir.appendingPathComponent("config").path
    let key = String(planted.prefix { $0 != ":" })
    #expect {
      try KubeconfigMerge.write(
        serverConfig: poisoned, name: "homelab", server: "https://h:6443", to: path)
    } throws: { error in
      (error as? KubeconfigError)?.message.contains("has \(key) in its \(entry) entry") == true
    }
    #expect(!FileManager.default.fileExists(atPath: path))
  }

  @Test func anUnreadableOrBinaryKubeconfigIsLeftAsItIs() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent(
      "kubeconfig-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let path = dir.appendingPathComponent("config").path
    let binary = Data([0xff, 0xfe, 0x00, 0x41, 0x0a])
    try binary.write(to: URL(fileURLWithPath: path))
    #expect(throws: KubeconfigError.self) {
      try KubeconfigMerge.write(
        serverConfig: Self.server, name: "homelab", server: "https://h:6443", to: path)
    }
    #expect(FileManager.default.contents(atPath: path) == binary)
    try Self.existing.write(toFile: path, atomically: true, encoding: .utf8)
    chmod(path, 0)
    defer { chmod(path, 0o600) }
    if geteuid() != 0 {  // root reads any file
      #expect(throws: KubeconfigError.self) {
        try KubeconfigMerge.write(
          serverConfig: Self.server, name: "homelab", server: "https://h:6443", to: path)
      }
    }
    chmod(path, 0o600)
    #expect(try String(contentsOfFile: path, encoding: .utf8) == Self.existing)
  }

  @Test func aLinkedKubeconfigStaysALinkAndTheOldTextIsKept() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent(
      "kubeconfig-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let real = dir.appendingPathComponent("dotfiles-kubeconfig").path
    let link = dir.appendingPathComponent("config").path
    try Self.existing.write(toFile: real, atomically: true, encoding: .utf8)
    try FileManager.default.createSymbolicLink(
      atPath: link, withDestinationPath: "dotfiles-kubeconfig")
    #expect(
      try KubeconfigMerge.write(
        serverConfig: Self.server, name: "homelab", server: "https://h:6443", to: link) == .updated)
    #expect(
      try FileManager.default.destinationOfSymbolicLink(atPath: link) == "dotfiles-kubeconfig")
    #expect(try String(contentsOfFile: real, encoding: .utf8).contains("name: homelab"))
    #expect(try String(contentsOfFile: real + ".cluster-mgr.bak", encoding: .utf8) == Self.existing)
    let modes = try [real, real + ".cluster-mgr.bak"].map {
      try FileManager.default.attributesOfItem(atPath: $0)[.posixPermissions] as? Int
    }
    #expect(modes == [0o600, 0o600])
  }

  @Test func kubectlsLockIsWaitedFor() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent(
      "kubeconfig-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let path = dir.appendingPathComponent("config").path
    FileManager.default.createFile(atPath: path + ".lock", contents: Data())
    var file = KubeconfigFile(path: path, lockWait: .milliseconds(300))
    #expect {
      _ = try file.update { _ in "apiVersion: v1\n" }
    } throws: { error in
      (error as? KubeconfigError)?.message.contains("config.lock is held by another program")
        == true
    }
    #expect(!FileManager.default.fileExists(atPath: path))
    try FileManager.default.removeItem(atPath: path + ".lock")
    file = KubeconfigFile(path: path, lockWait: .milliseconds(300))
    #expect(try file.update { _ in "apiVersion: v1\n" } == .updated)
    #expect(!FileManager.default.fileExists(atPath: path + ".lock"))
  }

  @Test func aBrokenServerConfigIsAClearError() {
    #expect(throws: KubeconfigError.self) {
      try KubeconfigMerge.merge(
        existing: "", serverConfig: "clusters: []", name: "x", server: "https://h:6443")
    }
  }
}

/// Deploy keys made without ssh-keygen are keys ssh-keygen accepts.
@Suite struct DeployKeyTests {
  @Test func aGeneratedKeyIsAValidOpenSSHKey() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent(
      "deploykey-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: dir) }
    let path = dir.appendingPathComponent("identity").path
    let (pair, created) = try DeployKeyPair.loadOrCreate(at: path, comment: "flux-test")
    #expect(created)
    let derived = try ProcessRunner.run(["ssh-keygen", "-y", "-f", path])
    #expect(derived.status == 0, "\(derived.stderr)")
    #expect(
      derived.stdout.split(separator: " ").prefix(2)
        == pair.publicKey.split(separator: " ").prefix(2))
    let (again, createdAgain) = try DeployKeyPair.loadOrCreate(at: path, comment: "flux-test")
    #expect(!createdAgain)
    #expect(again.publicKey == pair.publicKey)
    #expect(
      (try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int) == 0o600)
    // Without identity.pub the key is read, not replaced: the public key comes from the private.
    try FileManager.default.removeItem(atPath: path + ".pub")
    let (kept, createdThird) = try DeployKeyPair.loadOrCreate(at: path, comment: "flux-test")
    #expect(!createdThird)
    #expect(kept.privateKey == pair.privateKey)
    #expect(kept.publicKey == pair.publicKey)
    #expect(FileManager.default.fileExists(atPath: path + ".pub"))
  }
}
