import ClusterMgrTesting
import Foundation
import Testing

/// The cluster token and a sudo password set in the inventory never appear in output, diffs,
/// JSON events or the run history — in check mode, in a real run, or with -v.
@Suite(.serialized, .lab("t-secret", hosts: ["lab-cp1", "lab-w1"]))
struct SecretMaskingTests {
  static let token = "cm-Token-9f2c1e7b-MASKME"
  static let password = "sudo-Passw0rd-MASKME"

  @Test func secretsNeverLeaveTheHosts() async throws {
    let lab = try LabInstance.required()
    let run = try ClusterMgrRun(lab: lab, freshState: true) { text in
      text.replacingOccurrences(
        of: "  children:\n",
        with:
          "    token: \(Self.token)\n    ansible_become_password: \(Self.password)\n  children:\n")
    }
    var transcripts: [String] = []
    let check = try run.run([
      "provision", "--check", "--diff", "-v", "--artifacts", try ClusterMgrRun.artifacts(),
    ])
    #expect(check.status == 0, "\(check.stderr)")
    transcripts += [check.stdout, check.stderr]
    let (real, events) = try run.provision(["--diff", "-vv"])
    #expect(real.status == 0, "\(real.stderr)")
    transcripts += [real.stdout, real.stderr]
    #expect(events.contains { ($0["diff"] as? String)?.contains("secret content changed") == true })
    let text = try run.run([
      "provision", "--diff", "-vv", "--artifacts", try ClusterMgrRun.artifacts(), "-e",
      "cluster_dns=10.43.0.11",
    ])
    transcripts += [text.stdout, text.stderr]
    let history = try run.run(["history", "show", "last", "--diff", "--output", "json"])
    transcripts += [history.stdout, history.stderr]

    for transcript in transcripts {
      #expect(!transcript.contains(Self.token))
      #expect(!transcript.contains(Self.password))
    }
    // The history database's bytes, WAL included.
    for suffix in ["", "-wal"] {
      let path = run.stateDirectory + "/history.sqlite" + suffix
      guard let data = FileManager.default.contents(atPath: path) else { continue }
      #expect(data.range(of: Data(Self.token.utf8)) == nil)
      #expect(data.range(of: Data(Self.password.utf8)) == nil)
    }
    // The token did reach the server: K3s uses it. The agent holds only the agent token.
    #expect(try lab.exec("lab-cp1", "cat /etc/rancher/k3s/config.yaml").stdout.contains(Self.token))
    #expect(
      !(try lab.exec("lab-w1", "cat /etc/rancher/k3s/config.yaml").stdout.contains(Self.token)))
  }
}
