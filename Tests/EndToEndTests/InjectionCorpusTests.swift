import ClusterMgrTesting
import Foundation
import Inventory
import Testing

/// Every payload of ``InjectionCorpus`` at every text variable of the schema, at map keys, as a
/// host name and as a group name: refused when the inventory is loaded (exit 2 with
/// `file:line:col`), or carried through `provision --check` and `provision` on the lab as data —
/// no canary file on any host (nothing ran) and only cluster-mgr's own keys in every rendered
/// K3s file (nothing was injected). Every script the runs sent passes shellcheck.
@Suite(.serialized, .lab("t-corpus", hosts: ["lab-cp1", "lab-w1"]))
struct InjectionCorpusTests {
  /// (place, payload) cases `inventory --validate` accepted, found by the first test.
  nonisolated(unsafe) static var accepted: [(InjectionCorpus.Place, InjectionCorpus.Payload)] = []

  @Test func everyPayloadIsRefusedWithItsPositionOrAcceptedAsData() throws {
    let lab = try LabInstance.required()
    let server = InjectionCorpus.Host(name: "cp", address: "192.0.2.10")
    let agent = InjectionCorpus.Host(name: "worker", address: "192.0.2.11")
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
      "corpus-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    var refused = 0
    var accepted: [(InjectionCorpus.Place, InjectionCorpus.Payload)] = []
    for place in InjectionCorpus.places {
      for payload in InjectionCorpus.payloads {
        let path = directory.appendingPathComponent("\(accepted.count + refused).yml").path
        try InjectionCorpus.inventory([place], payload.text, server: server, agent: agent)
          .write(toFile: path, atomically: true, encoding: .utf8)
        let result = try ProcessRunner.run([
          Repository.clusterMgrBinary, "inventory", "--validate", "-i", path,
        ])
        switch result.status {
        case 0:
          accepted.append((place, payload))
        case 2:
          refused += 1
          let output = result.stdout + result.stderr
          #expect(
            Self.namesAPosition(in: output, file: path) && output.contains("error"),
            "\(place) = \(payload.name): refused without a position: \(output)")
          #expect(!output.contains("\u{1b}"), "\(place) = \(payload.name): raw escape printed")
        default:
          Issue.record("\(place) = \(payload.name): exit \(result.status): \(result.stderr)")
        }
      }
    }
    Self.accepted = accepted
    let total = InjectionCorpus.places.count * InjectionCorpus.payloads.count
    print(
      "injection corpus: \(InjectionCorpus.places.count) places × \(InjectionCorpus.payloads.count) payloads = \(total) cases: \(refused) refused at load with file:line:col, \(accepted.count) carried to provision"
    )
    #expect(refused + accepted.count == total)
    // What may carry such text through (as data): secrets, K3s flag values, group names, key
    // file paths, and a Git branch (Git allows any Unicode letter in one).
    let free: Set<String> = [
      "token", "k3s_token", "ansible_become_password", "ansible_become_pass",
      "extra_server_args", "extra_agent_args", "server_group", "agent_group",
      "ansible_ssh_private_key_file", "k3s_server_args", "k3s_agent_args", "group name",
      "git_branch", "sops_age_key_file",
    ]
    for (place, payload) in accepted {
      #expect(free.contains(place.description), "\(place) accepted \(payload.name)")
    }
  }

  @Test func acceptedPayloadsRunNothingAndInjectNothing() throws {
    let lab = try LabInstance.required()
    let run = try ClusterMgrRun(lab: lab)
    let scripts = FileManager.default.temporaryDirectory.appendingPathComponent(
      "corpus-scripts-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: scripts, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: scripts) }
    let server = InjectionCorpus.Host(name: "lab-cp1", address: lab.host("lab-cp1").address)
    let agent = InjectionCorpus.Host(name: "lab-w1", address: lab.host("lab-w1").address)
    let base = try String(contentsOfFile: lab.inventoryPath, encoding: .utf8)
    let access = Self.connectionVars(base)
    var cases = 0
    var runs = 0
    for payload in InjectionCorpus.payloads {
      let places = Self.accepted.filter {
        $0.1.name == payload.name && $0.0 != .variable("ansible_ssh_private_key_file")
      }.map(\.0)
      for batch in InjectionCorpus.batches(places) {
        cases += batch.count
        let text = InjectionCorpus.inventory(
          batch, payload.text, server: server, agent: agent, extra: access)
        try text.write(toFile: run.inventoryPath, atomically: true, encoding: .utf8)
        for arguments in [["--check"], []] {
          runs += 1
          let result = try ProcessRunner.run(
            [Repository.clusterMgrBinary, "provision", "--artifacts", try ClusterMgrRun.artifacts()]
              + arguments,
            environment: run.environment.merging(
              ["CLUSTER_MGR_TEST_SCRIPT_LOG": scripts.path], uniquingKeysWith: { $1 }))
          let label = "\(payload.name) at \(batch) \(arguments)"
          #expect(
            !(result.stdout + result.stderr).contains("\u{1b}"), "\(label): raw escape printed")
          try Self.expectNothingRanOrWasInjected(lab, label)
        }
      }
    }
    print(
      "injection corpus: \(cases) accepted cases provisioned in \(runs) runs (--check and real): none executed, none injected"
    )
    try Self.expectScriptsPassShellcheck(scripts.path)
  }

  /// True when `output` names `file:LINE:COLUMN`.
  static func namesAPosition(in output: String, file: String) -> Bool {
    var rest = Substring(output)
    while let range = rest.range(of: file + ":") {
      rest = rest[range.upperBound...]
      let line = rest.prefix { $0.isNumber }
      let afterLine = rest.dropFirst(line.count)
      if !line.isEmpty, afterLine.first == ":", afterLine.dropFirst().first?.isNumber == true {
        return true
      }
    }
    return false
  }

  /// The lab's settings for `all` (SSH user and key, K3s version), from its own inventory.
  static func connectionVars(_ labInventory: String) -> String {
    labInventory.split(separator: "\n").filter {
      $0.hasPrefix("    ") && !$0.hasPrefix("     ") && !$0.hasPrefix("    #")
        && !$0.hasPrefix("    cluster_name:") && !$0.hasPrefix("    children:")
    }.prefix { !$0.hasPrefix("    control_plane:") }.map { $0 + "\n" }.joined()
  }

  /// No canary on any host, and only cluster-mgr's keys in the K3s files it rendered.
  static func expectNothingRanOrWasInjected(_ lab: LabInstance, _ label: String) throws {
    let allowed: Set<String> = [
      "node-name", "node-ip", "flannel-iface", "advertise-address", "tls-san", "cluster-cidr",
      "service-cidr", "cluster-dns", "cluster-domain", "write-kubeconfig-mode", "cluster-init",
      "server", "token", "agent-token", "kubelet-arg", "node-label", "node-taint", "node-label+",
      "node-taint+",
    ]
    for host in ["lab-cp1", "lab-w1"] {
      let canaries = try lab.exec(host, "ls -d \(InjectionCorpus.canaryPrefix)* 2>/dev/null")
      #expect(
        canaries.stdout.isEmpty, "\(label): \(host) ran an injected command: \(canaries.stdout)")
      let keys = try lab.exec(
        host,
        "for f in /etc/rancher/k3s/config.yaml /etc/rancher/k3s/config.yaml.d/*.yaml; do [ -f \"$f\" ] && python3 -c 'import sys, yaml; d = yaml.safe_load(open(sys.argv[1])) or {}; print(\"\\n\".join(d))' \"$f\"; done"
      )
      let unexpected = Set(keys.stdout.split(separator: "\n").map(String.init)).subtracting(allowed)
      #expect(unexpected.isEmpty, "\(label): \(host) config has keys \(unexpected)")
      let unit = try lab.exec(host, "cat /etc/systemd/system/k3s*.service 2>/dev/null").stdout
      #expect(
        unit.split(separator: "\n").filter { $0.hasPrefix("ExecStart=") }.allSatisfy {
          $0.hasPrefix("ExecStart=/usr/local/bin/k3s ")
        }, "\(label): \(host) unit")
    }
  }

  /// Every script cluster-mgr sent passes shellcheck (POSIX sh). Not checked: purely stylistic
  /// notes that the scripts use on purpose — `A && B || C` chains (SC2015), single-quoted
  /// awk/dpkg-query programs (SC2016), a subshell per task (SC2234, SC2235), functions only
  /// some scripts call (SC2317), sourcing the host's /etc/os-release (SC1091).
  static func expectScriptsPassShellcheck(_ directory: String) throws {
    let files = try FileManager.default.contentsOfDirectory(atPath: directory)
      .filter { $0.hasSuffix(".sh") }.sorted().map { directory + "/" + $0 }
    #expect(files.count >= 10, "scripts recorded: \(files.count)")
    let result = try ProcessRunner.run(
      [
        "shellcheck", "--shell=sh", "--format=gcc",
        "--exclude=SC1091,SC2015,SC2016,SC2234,SC2235,SC2317",
      ]
        + files)
    #expect(result.status == 0, "shellcheck:\n\(result.stdout.prefix(4000))")
    print(
      "shellcheck: \(files.count) generated scripts, \(result.status == 0 ? "all pass" : "FINDINGS")"
    )
  }
}
