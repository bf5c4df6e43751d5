import ClusterMgrTesting
import Foundation
import Testing

/// Credentials cluster-mgr writes on the workstation are private from their first byte (an
/// inotify watcher sees every file appear, with its mode at that moment, and any later chmod),
/// and what the first server says about itself cannot make the workstation run or trust more.
@Suite(.serialized, .lab("t-cred", hosts: ["lab-cp1", "lab-w1"]))
struct CredentialFileTests {
  static func runner() throws -> ClusterMgrRun {
    let lab = try LabInstance.required()
    return try ClusterMgrRun(lab: lab, freshState: true) { text in
      text.replacingOccurrences(
        of: "  children:",
        with: """
              git_repo_url: git@github.com:example/homelab.git
              git_known_hosts: github.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl
            children:
          """)
    }
  }

  @Test func everyCredentialFileIsPrivateFromItsFirstByte() throws {
    let run = try Self.runner()
    let kubeconfigDirectory = (run.kubeconfigPath as NSString).deletingLastPathComponent
    let watcher = try FileModeWatcher(roots: [run.stateDirectory, kubeconfigDirectory])
    let (provisioned, _) = try run.provision()
    let backup = try run.run(["backup"])
    let seen = watcher.stop()
    #expect(provisioned.status == 0, "\(provisioned.stderr)")
    #expect(backup.status == 0, "\(backup.stdout)\(backup.stderr)")
    let names = seen.map { ($0.path as NSString).lastPathComponent }
    for expected in ["kubeconfig", "identity"] {
      #expect(names.contains(expected), "\(expected) was written: \(seen)")
    }
    #expect(names.contains { $0.hasSuffix(".json") }, "a backup manifest was written: \(seen)")
    #expect(names.contains { $0.hasPrefix(".kubeconfig.cluster-mgr-") }, "through a temporary file")
    for sighting in seen where !(sighting.path as NSString).lastPathComponent.contains(".pub") {
      #expect(
        sighting.modesSeen.allSatisfy { $0 & 0o077 == 0 },
        "\(sighting): readable by others at some moment: \(sighting.modesSeen)")
      // SQLite (the run history) gives its journal files the database's owner when run as
      // root; every file cluster-mgr writes itself is never changed after its creation.
      if !sighting.path.contains("history.sqlite") {
        #expect(!sighting.changedLater, "\(sighting): its mode or owner was changed afterwards")
      }
    }
    print("credential files watched: \(seen.count), all private from their first byte")
  }

  /// A compromised first server plants an `exec` plugin (or a proxy) in its k3s.yaml: nothing of
  /// it reaches the workstation's kubeconfig, the run says why and fails; a kubeconfig that is
  /// not UTF-8 is left exactly as it was.
  @Test func whatTheServerPlantsIsRefusedAndABrokenKubeconfigIsKept() throws {
    let lab = try LabInstance.required()
    let run = try Self.runner()
    if !FileManager.default.fileExists(atPath: run.kubeconfigPath) {
      #expect(try run.provision().result.status == 0)
    }
    let before = try Data(contentsOf: URL(fileURLWithPath: run.kubeconfigPath))
    for planted in [
      (
        "client-key-data",
        "    exec: {apiVersion: client.authentication.k8s.io/v1, command: sh, args: [-c, 'touch /tmp/cm-pwned']}",
        "exec"
      ),
      ("server:", "    proxy-url: http://192.0.2.1:3128", "proxy-url"),
    ] {
      let yaml = "/etc/rancher/k3s/k3s.yaml"
      let plant = try lab.exec(
        "lab-cp1",
        "cp \(yaml) /root/k3s.yaml.orig && sed -i \"/\(planted.0)/a\\\\\(planted.1)\" \(yaml) && grep -q \(planted.2) \(yaml)"
      )
      try #require(plant.status == 0, "\(plant.stderr)")
      defer { _ = try? lab.exec("lab-cp1", "cp /root/k3s.yaml.orig \(yaml)") }
      let (result, _) = try run.provision(["--tags", "kubeconfig"])
      #expect(result.status == 1, "a refused kubeconfig fails the run: \(result.stdout)")
      #expect(
        (result.stdout + result.stderr).contains("has \(planted.2) in its"), "\(result.stdout)")
      #expect(try Data(contentsOf: URL(fileURLWithPath: run.kubeconfigPath)) == before)
      #expect(!FileManager.default.fileExists(atPath: "/tmp/cm-pwned"))
    }
    let binary = Data([0xff, 0xfe, 0x00, 0x6b, 0x0a])
    try binary.write(to: URL(fileURLWithPath: run.kubeconfigPath))
    let (kept, _) = try run.provision(["--tags", "kubeconfig"])
    #expect(kept.status == 1)
    #expect((kept.stdout + kept.stderr).contains("is not UTF-8 text; it was left as it is"))
    #expect(try Data(contentsOf: URL(fileURLWithPath: run.kubeconfigPath)) == binary)
  }
}
