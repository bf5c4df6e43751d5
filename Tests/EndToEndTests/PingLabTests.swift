import ClusterMgrTesting
import Foundation
import Testing

/// `cluster-mgr ping` (the real binary) against three lab hosts.
@Suite(.serialized, .lab("t-ping", hosts: ["lab-cp1", "lab-w1", "lab-w2"]))
struct PingLabTests {
  @Test func threeHealthyHostsGiveThreeOkLinesAndExitZero() throws {
    let lab = try LabInstance.required()
    let result = try PingRun(lab: lab).run([])
    #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
    let lines = result.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(
      String.init)
    #expect(lines.first?.hasPrefix("HOST ") == true)
    for host in lab.hosts {
      let row = try #require(PingRun.row(result.stdout, host.name), "no line for \(host.name)")
      let cells = row.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
      #expect(cells[1] == "ok")
      #expect(cells[2...3] == ["key", "id_ed25519"])
      #expect(cells[4] == "ok")
      #expect(row.contains("Debian GNU/Linux 12 (bookworm)"))
      #expect(row.contains(" x86_64 "))
      #expect(row.hasSuffix("\(host.address) (= inventory)"))
    }
    #expect(lines.suffix(2) == ["3 hosts: 3 ok, 0 unreachable, 0 failed", ""])
  }

  @Test func theJSONFormHasEveryFactAndOneRoundTripPerHost() throws {
    let lab = try LabInstance.required()
    let (status, report) = try PingRun(lab: lab).json([])
    #expect(status == 0)
    let hosts = PingRun.hosts(report)
    #expect(Set(hosts.keys) == Set(lab.hosts.map(\.name)))
    for host in lab.hosts {
      let entry = try #require(hosts[host.name])
      #expect(entry["status"] as? String == "ok")
      #expect(entry["reachable"] as? Bool == true)
      #expect(entry["sudo"] as? String == "ok")
      #expect(entry["authentication"] as? String == "key \(lab.keyPath)")
      #expect((entry["os"] as? [String: String])?["id"] == "debian")
      #expect((entry["os"] as? [String: String])?["version"] == "12")
      #expect(entry["architecture"] as? String == "x86_64")
      let tailscale = entry["tailscale"] as? [String: Any]
      #expect(tailscale?["observed"] as? String == host.address)
      #expect(tailscale?["matches"] as? Bool == true)
      #expect(entry["roundTrips"] as? Int == 1)
    }
    #expect(
      (report["summary"] as? [String: Int]) == ["hosts": 3, "ok": 3, "unreachable": 0, "failed": 0])
  }

  @Test func aStoppedHostIsNamedAndTheExitStatusIsNonZero() throws {
    let lab = try LabInstance.required()
    try lab.stop("lab-w2")
    defer { try? lab.start("lab-w2") }
    let result = try PingRun(lab: lab).run([])
    #expect(result.status == 4, "\(result.stdout)\(result.stderr)")
    #expect(PingRun.row(result.stdout, "lab-w2")?.contains(" unreachable ") == true)
    #expect(PingRun.row(result.stdout, "lab-cp1")?.contains(" ok ") == true)
    #expect(PingRun.row(result.stdout, "lab-w1")?.contains(" ok ") == true)
    let address = lab.host("lab-w2").address
    #expect(result.stdout.contains("error: lab-w2: connect: cannot connect to \(address) port 22"))
    #expect(result.stdout.contains("3 hosts: 2 ok, 1 unreachable, 0 failed"))
  }

  @Test func limitSelectsHostsByPattern() throws {
    let lab = try LabInstance.required()
    let result = try PingRun(lab: lab).run(["--limit", "workers:!lab-w2"])
    #expect(result.status == 0)
    #expect(PingRun.row(result.stdout, "lab-w1") != nil)
    #expect(PingRun.row(result.stdout, "lab-cp1") == nil)
    #expect(PingRun.row(result.stdout, "lab-w2") == nil)
    let none = try PingRun(lab: lab).run(["--limit", "nothing-like-this"])
    #expect(none.status == 2)
  }

  @Test func aTailscaleAddressThatDriftedFailsTheHost() throws {
    let lab = try LabInstance.required()
    let ping = try PingRun(lab: lab)
    let inventory = try ping.inventory(overrides: ["lab-w1": ["tailscale_ip": "100.64.250.250"]])
    let (status, report) = try ping.json(["-i", inventory])
    #expect(status == 1)
    let w1 = try #require(PingRun.hosts(report)["lab-w1"])
    #expect(w1["status"] as? String == "drift")
    #expect(
      (w1["problem"] as? [String: Any])?["message"] as? String
        == "lab-w1: tailscale address: the host's Tailscale IPv4 is \(lab.host("lab-w1").address), but the inventory says 100.64.250.250."
    )
    #expect(PingRun.hosts(report)["lab-cp1"]?["status"] as? String == "ok")
  }

  @Test func sudoNeedingAPasswordIsReportedAndTheInventoryPasswordIsUsed() throws {
    let lab = try LabInstance.required()
    let ping = try PingRun(lab: lab)
    let without = try ping.inventory(overrides: ["lab-cp1": ["ansible_user": lab.passwordUser]])
    let (status, report) = try ping.json(["-i", without, "-l", "lab-cp1"])
    #expect(status == 1)
    let cp1 = try #require(PingRun.hosts(report)["lab-cp1"])
    #expect(cp1["status"] as? String == "sudo-failed")
    #expect(cp1["sudo"] as? String == "password-required")
    #expect((cp1["os"] as? [String: String])?["id"] == "debian")
    #expect(cp1["roundTrips"] as? Int == 2)

    let with = try ping.inventory(overrides: [
      "lab-cp1": ["ansible_user": lab.passwordUser, "ansible_become_password": lab.sudoPassword]
    ])
    let text = try ping.run(["-i", with, "-l", "lab-cp1"])
    #expect(text.status == 0)
    #expect(!text.stdout.contains(lab.sudoPassword))
    let wrong = try ping.inventory(overrides: [
      "lab-cp1": ["ansible_user": lab.passwordUser, "ansible_become_password": "wrong"]
    ])
    let (wrongStatus, wrongReport) = try ping.json(["-i", wrong, "-l", "lab-cp1"])
    #expect(wrongStatus == 1)
    #expect(PingRun.hosts(wrongReport)["lab-cp1"]?["sudo"] as? String == "wrong-password")
  }

  @Test func unknownHostKeysAreRefusedUntilAcceptNew() throws {
    let lab = try LabInstance.required()
    let ping = try PingRun(lab: lab)
    // Without the LocalAPI (no Tailscale host keys) and with empty known_hosts files.
    let noTailnet = ["CLUSTER_MGR_TAILSCALE_SOCKET": ping.home + "/no-such.sock"]
    let refused = try ping.run(["-l", "lab-w1"], environment: noTailnet)
    #expect(refused.status == 1)
    #expect(PingRun.row(refused.stdout, "lab-w1")?.contains(" host-key ") == true)
    #expect(refused.stdout.contains("is not known"))
    let accepted = try ping.run(["-l", "lab-w1", "--accept-new"], environment: noTailnet)
    #expect(accepted.status == 0, "\(accepted.stdout)")
    let recorded = try String(contentsOfFile: ping.state + "/known_hosts", encoding: .utf8)
    #expect(recorded.hasPrefix(lab.host("lab-w1").address + " ssh-ed25519 "))
    let again = try ping.run(["-l", "lab-w1"], environment: noTailnet)
    #expect(again.status == 0)
  }
}
