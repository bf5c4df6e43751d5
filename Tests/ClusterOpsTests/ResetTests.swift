import Foundation
import Testing

@testable import ClusterOps

/// `reset`: the kubeconfig keeps every other cluster, and what a host holds is read back.
struct ResetTests {
  static let kubeconfig = """
    apiVersion: v1
    kind: Config
    clusters:
    - name: office
      cluster: {server: "https://192.0.2.10:6443"}
    - name: homelab
      cluster: {server: "https://100.64.0.10:6443"}
    contexts:
    - name: office
      context: {cluster: office, user: office-admin}
    - name: homelab
      context: {cluster: homelab, user: homelab-admin}
    users:
    - name: office-admin
      user: {token: abc}
    - name: homelab-admin
      user: {client-certificate-data: eA==}
    current-context: homelab
    """

  @Test func theClustersEntriesLeaveAndTheOthersStay() throws {
    let text = try #require(try KubeconfigRemoval.removing("homelab", from: Self.kubeconfig))
    #expect(!text.contains("homelab"))
    #expect(text.contains("name: office") && text.contains("office-admin"))
    #expect(
      text.contains("current-context: ''\n") || text.contains("current-context: \"\"\n"), "\(text)")
    #expect(try KubeconfigRemoval.removing("lab", from: Self.kubeconfig) == nil)
  }

  @Test func theKubeconfigFileKeepsItsOtherContexts() throws {
    let path = FileManager.default.temporaryDirectory
      .appendingPathComponent("kubeconfig-\(UUID().uuidString)").path
    defer {
      try? FileManager.default.removeItem(atPath: path)
      try? FileManager.default.removeItem(atPath: path + ".cluster-mgr.bak")
    }
    try Self.kubeconfig.write(toFile: path, atomically: true, encoding: .utf8)
    #expect(KubeconfigRemoval.hasContext("homelab", path: path))
    #expect(try KubeconfigRemoval.remove("homelab", path: path) == .removed)
    #expect(!KubeconfigRemoval.hasContext("homelab", path: path))
    #expect(KubeconfigRemoval.hasContext("office", path: path))
    #expect(try KubeconfigRemoval.remove("homelab", path: path) == .absent)
  }

  @Test func whatAHostHoldsIsReadFromTheProbe() {
    let found = ResetScripts.Found(
      output: "path /usr/local/bin/k3s\npath /var/lib/cluster-mgr\nactive k3s-agent\nprocess 3\n")
    #expect(!found.isEmpty)
    #expect(
      found.description
        == "k3s-agent running; 3 K3s processes; /usr/local/bin/k3s, /var/lib/cluster-mgr")
    #expect(ResetScripts.Found(output: "process 0\n").isEmpty)
  }

  @Test func theResetScriptGoesOnStandardInputWithItsArgumentInside() {
    let script = ResetScripts.reset(keepLock: true)
    #expect(script.hasPrefix("set -- keep-lock\n"))
    #expect(script.contains("! -name lock"))
    #expect(ResetScripts.reset(keepLock: false).hasPrefix("set -- all\n"))
  }
}
