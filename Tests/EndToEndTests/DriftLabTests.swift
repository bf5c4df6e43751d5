import ClusterMgrTesting
import Foundation
import Testing

/// `cluster-mgr drift` on the suite's lab cluster (see ``StatusLabTests``).
extension StatusLabTests {
  /// Issue #8's done-when: a label changed by hand and a host stopped are both reported and
  /// drift exits non-zero; after provision, drift exits 0.
  @Test func driftReportsAHandChangedLabelAndAStoppedHostAndProvisionClearsThem() throws {
    let cluster = try Self.cluster()
    let lab = cluster.lab
    let clean = try cluster.json(["drift"])
    #expect(clean.status == 0, "\(clean.object)")
    #expect(driftKinds(clean.object).isEmpty)

    try cluster.kubectl("label node lab-w1 tier=batch --overwrite")
    try lab.stop("lab-w2")
    defer { try? lab.start("lab-w2") }

    let text = try cluster.run(["drift"])
    #expect(text.status == 1, "\(text.stdout)\(text.stderr)")
    let lines = text.stdout.split(separator: "\n").map(String.init)
    #expect(lines.first == "2 differences on 2 hosts:")
    #expect(
      lines.contains {
        $0.contains("lab-w1") && $0.contains("tier is batch on the node, web in the inventory")
      })
    #expect(lines.contains { $0.contains("lab-w2") && $0.contains("offline in the tailnet") })
    let drifted = try cluster.json(["drift"])
    #expect(drifted.status == 1)
    #expect(driftKinds(drifted.object) == ["lab-w1 label", "lab-w2 offline"])
    let label = (drifted.object["findings"] as? [[String: Any]])?.first
    #expect(label?["expected"] as? String == "tier=web")
    #expect(label?["actual"] as? String == "tier=batch")

    // The stopped host shows as N/A in status too, and status says so in its exit status.
    let status = try cluster.json(["status"])
    #expect(status.status == 4)
    let w2 = (status.object["nodes"] as? [[String: Any]])?.first {
      $0["name"] as? String == "lab-w2"
    }
    #expect((w2?["host"] as? [String: Any])?["readable"] as? Bool == false)
    #expect(w2?["tailnetOnline"] as? Bool == false)

    try lab.start("lab-w2")
    let back = try StatusLabCluster.waitUntil(seconds: 90) {
      let nodes = try cluster.json(["status"]).object["nodes"] as? [[String: Any]] ?? []
      return nodes.allSatisfy {
        ($0["host"] as? [String: Any])?["readable"] as? Bool == true && $0["ready"] as? Bool == true
      }
    }
    #expect(back, "lab-w2 did not come back")
    try cluster.provision()
    let after = try cluster.json(["drift"])
    #expect(after.status == 0, "\(after.object)")
    #expect(driftKinds(after.object).isEmpty)
    #expect(
      try cluster.kubectl("get node lab-w1 -o jsonpath={.metadata.labels.tier}").stdout == "web")
  }

  /// Versions, membership, reservations and addresses, each against an edited inventory copy
  /// (nothing on the cluster changes).
  @Test func driftComparesVersionsMembershipReservationsAndAddresses() throws {
    let cluster = try Self.cluster()
    let lab = cluster.lab
    let directory = try StatusLabCluster.temporaryDirectory()
    func drift(_ name: String, _ edit: (String) -> String) throws -> [String: Any] {
      let path = "\(directory)/\(name).yml"
      try cluster.writeInventory(to: path, edit)
      let result = try cluster.json(["drift"], inventory: path)
      #expect(result.status == 1, "\(name): \(result.object)")
      return result.object
    }

    let newer = try drift("version") {
      $0.replacingOccurrences(of: StatusLabCluster.version, with: "v1.31.5+k3s1")
    }
    #expect(
      driftKinds(newer) == ["lab-cp1 version-skew", "lab-w1 version-skew", "lab-w2 version-skew"])

    let w2 = lab.host("lab-w2").address
    let membership = try drift("membership") {
      $0.replacingOccurrences(
        of: "        lab-w2:\n          ansible_host: \(w2)\n          tailscale_ip: \(w2)\n",
        with:
          "        lab-x:\n          ansible_host: 100.64.250.250\n          tailscale_ip: 100.64.250.250\n"
      )
    }
    #expect(
      driftKinds(membership)
        == ["lab-x not-in-tailnet", "lab-x missing-from-cluster", "lab-w2 not-in-inventory"])

    let reserved = try drift("reservations") {
      $0.replacingOccurrences(
        of: "            tier: web\n",
        with: "            tier: web\n          system_reserved_memory: 2Gi\n")
    }
    #expect(driftKinds(reserved) == ["lab-w1 reservation"])
    let finding = (reserved["findings"] as? [[String: Any]])?.first
    #expect(
      finding?["expected"] as? String == "system-reserved=cpu=500m,ephemeral-storage=1Gi,memory=2Gi"
    )
    #expect(
      finding?["actual"] as? String == "system-reserved=cpu=500m,ephemeral-storage=1Gi,memory=1Gi")

    let w1 = lab.host("lab-w1").address
    let moved = try drift("address") {
      $0.replacingOccurrences(
        of: "          tailscale_ip: \(w1)\n", with: "          tailscale_ip: 100.64.250.251\n")
    }
    #expect(driftKinds(moved) == ["lab-w1 tailscale-address"])
  }
}
