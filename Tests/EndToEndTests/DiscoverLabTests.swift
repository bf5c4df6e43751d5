import ClusterMgrTesting
import Foundation
import Testing

/// `cluster-mgr discover` (the real binary) against the lab's LocalAPI emulator and inventory.
@Suite(.serialized, .lab("t-disc", hosts: ["lab-cp1", "lab-w1", "lab-w2"]))
struct DiscoverLabTests {
  let labHosts: Set<String> = ["lab-cp1", "lab-w1", "lab-w2"]

  @Test func listsEveryLabHostWithItsAddressAndInventoryState() throws {
    let lab = try LabInstance.required()
    let discover = DiscoverRun(lab: lab)
    let result = try discover.run([])
    #expect(result.status == 0, "\(result.stderr)")
    let lines = result.stdout.split(separator: "\n").map(String.init)
    #expect(lines.first?.hasPrefix("HOSTNAME") == true)
    for host in lab.hosts {
      let row = try #require(
        lines.first { $0.hasPrefix(host.name + " ") }, "no row for \(host.name)")
      #expect(row.contains(" \(host.address) "))
      #expect(row.contains("\(host.name).lab-tailnet.ts.net"))
      #expect(row.contains(host.role == "server" ? " server" : " agent"))
      #expect(row.contains("tag:k8s"))
    }
    #expect(lines.contains { $0.hasPrefix("lab-workstation (self) ") && $0.contains(lab.gateway) })
    #expect(lines.contains { $0.hasPrefix("old-laptop ") && $0.contains("3d ago") })
    #expect(
      lines.contains { $0.hasPrefix("iPhone ") && $0.contains("lab-phone.lab-tailnet.ts.net") })
    #expect(lines.last == "5 peers, 4 online, 3 in inventory, 0 drifted")
    // Sorted by host name, case-insensitively.
    let table = result.stdout.components(separatedBy: "\n\n")[0].split(separator: "\n")
    let names = table.dropFirst().map { String($0.prefix { $0 != " " }) }
    #expect(names == ["iPhone", "lab-cp1", "lab-w1", "lab-w2", "lab-workstation", "old-laptop"])
  }

  @Test func theRequestIsWhatTailscaledAccepts() throws {
    let lab = try LabInstance.required()
    _ = try DiscoverRun(lab: lab).run(["--no-cluster-status"])
    let log = try String(contentsOfFile: lab.directory + "/requests.log", encoding: .utf8)
    let last = try #require(
      try JSONSerialization.jsonObject(
        with: Data(log.split(separator: "\n").last.map(String.init)?.utf8 ?? "".utf8))
        as? [String: Any])
    #expect(last["path"] as? String == "/localapi/v0/status")
    #expect(last["host"] as? String == "local-tailscaled.sock")
    #expect(last["referer"] is NSNull && last["origin"] is NSNull)
  }

  @Test func filtersGiveTheExpectedSets() throws {
    let discover = DiscoverRun(lab: try LabInstance.required())
    // A glob over host and MagicDNS names: lab-workstation matches lab-w* as well.
    #expect(
      try discover.hostnames(["--filter", "lab-w*"]) == ["lab-w1", "lab-w2", "lab-workstation"])
    #expect(try discover.hostnames(["--filter", "lab-w?"]) == ["lab-w1", "lab-w2"])
    #expect(try discover.hostnames(["--filter", "LAB-CP[0-9]"]) == ["lab-cp1"])
    #expect(try discover.hostnames(["--filter", "lab-phone"]) == ["iPhone"])
    #expect(try discover.hostnames(["--filter", "*.lab-tailnet.ts.net"]).count == 6)
    #expect(try discover.hostnames(["--filter", "lab-w"]).isEmpty)  // a glob, not a substring
    #expect(
      try discover.hostnames(["--online-only"])
        == ["iPhone", "lab-cp1", "lab-w1", "lab-w2", "lab-workstation"])
    #expect(try discover.hostnames(["--tag", "tag:k8s"]) == labHosts)
    #expect(try discover.hostnames(["--tag", "k8s"]) == labHosts)
    #expect(try discover.hostnames(["--tag", "gpu"]).isEmpty)
    #expect(try discover.hostnames(["--os", "ios"]) == ["iPhone"])
    #expect(
      try discover.hostnames([
        "--os", "linux", "--online-only", "--filter", "lab-*", "--tag", "k8s",
      ])
        == labHosts)
  }

  @Test func jsonCarriesMembershipSelfAndHostKeys() throws {
    let lab = try LabInstance.required()
    let discover = DiscoverRun(lab: lab)
    let report = try discover.json([])
    #expect(report["backendState"] as? String == "Running")
    #expect(report["tailnet"] as? String == "lab@example.com")
    let summary = try #require(report["summary"] as? [String: Int])
    #expect(summary == ["peers": 5, "online": 4, "inInventory": 3, "drifted": 0])
    let inventory = try #require(report["inventory"] as? [String: Any])
    #expect(inventory["checked"] as? Bool == true)
    #expect(inventory["path"] as? String == lab.inventoryPath)
    let nodes = discover.nodes(report)
    let knownHosts = try String(contentsOfFile: lab.knownHostsPath, encoding: .utf8)
    for host in lab.hosts {
      let node = try #require(nodes.first { $0["hostname"] as? String == host.name })
      #expect(node["ipv4"] as? String == host.address)
      #expect(node["online"] as? Bool == true)
      #expect(node["self"] as? Bool == false)
      #expect(node["drifted"] as? Bool == false)
      let membership = try #require(node["inventory"] as? [String: Any])
      #expect(membership["name"] as? String == host.name)
      #expect(membership["role"] as? String == host.role)
      let keys = try #require(node["sshHostKeys"] as? [String])
      #expect(keys.count == 3)
      for key in keys { #expect(knownHosts.contains("\(host.address) \(key)")) }
    }
    let me = try #require(nodes.first { $0["self"] as? Bool == true })
    #expect(me["hostname"] as? String == "lab-workstation")
    let laptop = try #require(nodes.first { $0["hostname"] as? String == "old-laptop" })
    #expect(laptop["online"] as? Bool == false)
    #expect(laptop["presence"] as? String == "3d ago")
    #expect(laptop["lastSeen"] is String)
    #expect(laptop["inventory"] is NSNull)
  }

  @Test func aPeerWhoseAddressDiffersFromTheInventoryIsFlaggedAsDrifted() throws {
    let lab = try LabInstance.required()
    let discover = DiscoverRun(lab: lab)
    let w2 = lab.host("lab-w2")
    let moved = w2.address.split(separator: ".").dropLast().joined(separator: ".") + ".99"
    let directory = try DiscoverRun.temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let inventory = directory + "/hosts.yml"
    try String(contentsOfFile: lab.inventoryPath, encoding: .utf8)
      .replacingOccurrences(of: "tailscale_ip: \(w2.address)", with: "tailscale_ip: \(moved)")
      .write(toFile: inventory, atomically: true, encoding: .utf8)

    let report = try discover.json(["-i", inventory])
    let node = try #require(discover.nodes(report).first { $0["hostname"] as? String == "lab-w2" })
    #expect(node["drifted"] as? Bool == true)
    #expect((node["inventory"] as? [String: Any])?["tailscaleIP"] as? String == moved)
    #expect((report["summary"] as? [String: Int])?["drifted"] == 1)
    #expect(discover.nodes(report).filter { $0["drifted"] as? Bool == true }.count == 1)

    let text = try discover.run(["-i", inventory])
    let row = try #require(text.stdout.split(separator: "\n").first { $0.hasPrefix("lab-w2 ") })
    #expect(row.hasSuffix("agent      inventory has \(moved)"))
    #expect(text.stdout.hasSuffix("5 peers, 4 online, 3 in inventory, 1 drifted\n"))
  }

  @Test func inventoryHostsMissingFromTheTailnetAreNamed() throws {
    let lab = try LabInstance.required()
    let directory = try DiscoverRun.temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let inventory = directory + "/hosts.yml"
    try
      (try String(contentsOfFile: lab.inventoryPath, encoding: .utf8)
      + "        lab-gpu9:\n          tailscale_ip: 100.64.250.9\n")
      .write(toFile: inventory, atomically: true, encoding: .utf8)
    let result = try DiscoverRun(lab: lab).run(["-i", inventory])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stdout.contains("note: in \(inventory) but not on the tailnet: lab-gpu9\n"))
  }

  @Test func withoutAUsableInventoryDiscoveryStillWorksAndSaysWhy() throws {
    let lab = try LabInstance.required()
    let discover = DiscoverRun(lab: lab)
    let directory = try DiscoverRun.temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }

    let missing = try discover.run(["-i", directory + "/none.yml"])
    #expect(missing.status == 0, "\(missing.stderr)")
    #expect(
      missing.stdout.contains(
        "note: the inventory \(directory)/none.yml could not be used, so INVENTORY and DRIFT are "
          + "empty: inventory file \(directory)/none.yml does not exist"))
    #expect(missing.stdout.hasSuffix("5 peers, 4 online, inventory not used\n"))
    let row = try #require(missing.stdout.split(separator: "\n").first { $0.hasPrefix("lab-cp1 ") })
    #expect(row.hasSuffix("tag:k8s"))  // the membership cells are empty

    let broken = directory + "/broken.yml"
    try "all:\n  children: [not, a, mapping\n".write(
      toFile: broken, atomically: true, encoding: .utf8)
    let invalid = try discover.json(["-i", broken])
    let inventory = try #require(invalid["inventory"] as? [String: Any])
    #expect(inventory["checked"] as? Bool == false)
    #expect((inventory["error"] as? String)?.isEmpty == false)
    #expect(discover.nodes(invalid).count == 6)
    #expect(discover.nodes(invalid).allSatisfy { $0["inventory"] is NSNull })

    let skipped = try discover.run(["--no-cluster-status", "-i", broken])
    #expect(skipped.status == 0)
    #expect(!skipped.stdout.contains("INVENTORY") && !skipped.stdout.contains("note:"))
    #expect(skipped.stdout.hasSuffix("5 peers, 4 online\n"))
  }

  @Test func aStoppedHostShowsAsOfflineAndLeavesOnlineOnly() throws {
    let lab = try LabInstance.required()
    let discover = DiscoverRun(lab: lab)
    try lab.stop("lab-w2")
    defer { try? lab.start("lab-w2") }
    #expect(!(try discover.hostnames(["--online-only"]).contains("lab-w2")))
    let row = try #require(
      try discover.run([]).stdout.split(separator: "\n").first { $0.hasPrefix("lab-w2 ") })
    #expect(row.contains(" 1m ago "))
    try lab.start("lab-w2")
    #expect(try discover.hostnames(["--online-only"]).contains("lab-w2"))
  }

  @Test func aStartingDaemonIsShownWithAWarning() throws {
    let lab = try LabInstance.required()
    let directory = try DiscoverRun.temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let fixture = directory + "/starting.json"
    try String(contentsOfFile: DiscoverRun.fixture("status-homelab.json"), encoding: .utf8)
      .replacingOccurrences(
        of: "\"BackendState\": \"Running\"", with: "\"BackendState\": \"Starting\""
      )
      .write(toFile: fixture, atomically: true, encoding: .utf8)
    try lab.setTailscaleMode("fixture:" + fixture)
    defer { try? lab.setTailscaleMode("running") }
    let result = try DiscoverRun(lab: lab).run(["--no-cluster-status"])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(
      result.stdout.hasPrefix(
        "warning: tailscaled is still starting: the peer list may be incomplete or stale.\n"))
    #expect(result.stdout.hasSuffix("7 peers, 6 online\n"))
  }
}
