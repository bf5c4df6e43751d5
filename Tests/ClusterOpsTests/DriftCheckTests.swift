import Foundation
import Inventory
import Tailscale
import Testing

@testable import ClusterOps

/// The comparisons of `cluster-mgr drift`, on fixed inventories and cluster objects.
struct DriftCheckTests {
  /// The cluster as provision leaves it for ``Fixtures/inventoryText``.
  static func convergedCluster() -> [[String: Any]] {
    [
      Fixtures.node(
        "cp1", roles: ["control-plane", "master"],
        nodeArgs: ["server", "--kubelet-arg", Fixtures.defaultSystemReserved]),
      Fixtures.node(
        "w1", labels: ["tier": "web", "node-role.kubernetes.io/worker": "true"],
        annotations: [
          "cluster-mgr.io/managed-labels": "node-role.kubernetes.io/worker,tier",
          "cluster-mgr.io/managed-taints": "dedicated:NoSchedule",
        ],
        taints: [["key": "dedicated", "value": "web", "effect": "NoSchedule"]],
        nodeArgs: [
          "agent", "--kubelet-arg", "kube-reserved=cpu=250m,memory=512Mi,ephemeral-storage=1Gi",
          "--kubelet-arg=" + Fixtures.defaultSystemReserved,
        ]),
      Fixtures.node(
        "w2", labels: ["node-role.kubernetes.io/worker": "true"],
        annotations: ["cluster-mgr.io/managed-labels": "node-role.kubernetes.io/worker"],
        nodeArgs: ["agent", "--kubelet-arg", Fixtures.defaultSystemReserved]),
    ]
  }

  static let tailnet = StatusTailnet(
    peers: [
      "cp1": Fixtures.peer("cp1", ip: "100.64.0.10"), "w1": Fixtures.peer("w1", ip: "100.64.0.11"),
      "w2": Fixtures.peer("w2", ip: "100.64.0.12"),
    ], problem: nil)

  func check(
    _ objects: [[String: Any]]? = convergedCluster(), tailnet: StatusTailnet = tailnet
  ) throws -> (findings: [DriftFinding], unchecked: [String]) {
    let (nodes, settings) = try Fixtures.inventory()
    let check = DriftCheck(
      nodes: nodes, settings: settings, cluster: objects?.compactMap(StatusKubeNode.init),
      tailnet: tailnet)
    return check.run()
  }

  @Test func aConvergedClusterHasNoDrift() throws {
    let result = try check()
    #expect(result.findings.isEmpty, "\(result.findings)")
    #expect(result.unchecked.isEmpty)
  }

  @Test func aLabelChangedByHandIsReportedWithBothValues() throws {
    var cluster = Self.convergedCluster()
    cluster[1] = Fixtures.node(
      "w1", labels: ["tier": "batch", "node-role.kubernetes.io/worker": "true"],
      annotations: [
        "cluster-mgr.io/managed-labels": "node-role.kubernetes.io/worker,tier",
        "cluster-mgr.io/managed-taints": "dedicated:NoSchedule",
      ],
      taints: [["key": "dedicated", "value": "web", "effect": "NoSchedule"]],
      nodeArgs: [
        "agent", "--kubelet-arg", "kube-reserved=cpu=250m,memory=512Mi,ephemeral-storage=1Gi",
        "--kubelet-arg", Fixtures.defaultSystemReserved,
      ])
    let findings = try check(cluster).findings
    #expect(findings.count == 1)
    #expect(findings.first?.kind == .label)
    #expect(findings.first?.host == "w1")
    #expect(findings.first?.expected == "tier=web")
    #expect(findings.first?.actual == "tier=batch")
  }

  @Test func missingLabelsTaintsAndNoLongerDeclaredOnesAreReported() throws {
    var cluster = Self.convergedCluster()
    // w1 lost its label and taint; w2 still has a label and a taint cluster-mgr set earlier.
    cluster[1] = Fixtures.node(
      "w1", labels: ["node-role.kubernetes.io/worker": "true"],
      taints: [["key": "dedicated", "value": "batch", "effect": "NoSchedule"]],
      nodeArgs: [
        "agent", "--kubelet-arg", "kube-reserved=cpu=250m,memory=512Mi,ephemeral-storage=1Gi",
        "--kubelet-arg", Fixtures.defaultSystemReserved,
      ])
    cluster[2] = Fixtures.node(
      "w2", labels: ["node-role.kubernetes.io/worker": "true", "old": "yes", "theirs": "x"],
      annotations: [
        "cluster-mgr.io/managed-labels": "node-role.kubernetes.io/worker,old",
        "cluster-mgr.io/managed-taints": "gone:NoExecute",
      ],
      taints: [
        ["key": "gone", "effect": "NoExecute"], ["key": "foreign", "effect": "NoSchedule"],
      ],
      nodeArgs: ["agent", "--kubelet-arg", Fixtures.defaultSystemReserved])
    let findings = try check(cluster).findings
    let summary = findings.map {
      "\($0.host) \($0.kind.rawValue) \($0.expected ?? "-") \($0.actual ?? "-")"
    }
    #expect(
      summary == [
        "w1 label tier=web -",
        "w1 taint dedicated=web:NoSchedule dedicated=batch:NoSchedule",
        "w2 label - old=yes",
        "w2 taint - gone:NoExecute",
      ])
  }

  @Test func versionSkewMembershipAndReservationsAreReported() throws {
    var cluster = Self.convergedCluster()
    cluster[0] = Fixtures.node(
      "cp1", version: "v1.31.5+k3s1", roles: ["control-plane"],
      nodeArgs: [
        "server", "--kubelet-arg", "system-reserved=cpu=500m,memory=2Gi,ephemeral-storage=1Gi",
      ])
    cluster.remove(at: 2)
    cluster.append(Fixtures.node("stranger", roles: ["worker"]))
    let findings = try check(cluster).findings
    let kinds = findings.map { "\($0.host) \($0.kind.rawValue)" }
    #expect(
      kinds == [
        "cp1 version-skew", "cp1 reservation", "w2 missing-from-cluster",
        "stranger not-in-inventory",
      ])
    #expect(findings[0].actual == "v1.31.5+k3s1")
    #expect(findings[1].message.contains("memory=2Gi"))
  }

  @Test func equalQuantitiesInOtherUnitsAreNotDrift() throws {
    var cluster = Self.convergedCluster()
    cluster[2] = Fixtures.node(
      "w2", labels: ["node-role.kubernetes.io/worker": "true"],
      nodeArgs: [
        "agent", "--kubelet-arg", "system-reserved=cpu=0.5,memory=1024Mi,ephemeral-storage=1Gi",
      ])
    #expect(try check(cluster).findings.isEmpty)
  }

  @Test func tailnetOfflineAndChangedAddressesAreReported() throws {
    let tailnet = StatusTailnet(
      peers: [
        "cp1": Fixtures.peer("cp1", ip: "100.64.0.10"),
        "w1": Fixtures.peer("w1", ip: "100.64.0.77"),
        "w2": Fixtures.peer("w2", ip: "100.64.0.12", online: false),
      ], problem: nil)
    let findings = try check(tailnet: tailnet).findings
    #expect(findings.map(\.kind) == [.tailscaleAddress, .offline])
    #expect(findings[0].actual == "100.64.0.77")
    #expect(findings[1].host == "w2")
  }

  @Test func whatCannotBeReadIsNotCheckedNorCalledDrift() throws {
    let unknown = StatusTailnet(peers: [:], problem: "tailscaled is not running")
    let result = try check(nil, tailnet: unknown)
    #expect(result.findings.isEmpty)
    let report = DriftReport(
      findings: [], unchecked: ["cluster: …"], server: nil, clusterChecked: false,
      tailnetChecked: false, generatedAt: Date())
    #expect(report.exitStatus == 4)
    let tailnetOnly = DriftReport(
      findings: [], unchecked: ["tailnet: …"], server: "cp1", clusterChecked: true,
      tailnetChecked: false, generatedAt: Date())
    #expect(tailnetOnly.exitStatus == 3)
  }

  @Test func reportsExitOneWithAListAndZeroWithout() throws {
    let findings = try check(tailnet: StatusTailnet(peers: [:], problem: nil)).findings
    #expect(findings.map(\.kind) == [.notInTailnet, .notInTailnet, .notInTailnet])
    let report = DriftReport(
      findings: findings, unchecked: [], server: "cp1", clusterChecked: true,
      tailnetChecked: true, generatedAt: Date())
    #expect(report.exitStatus == 1)
    let text = report.textLines()
    #expect(text.first == "3 differences on 3 hosts:")
    #expect(text.contains { $0.hasPrefix("  w2   not-in-tailnet") })
    let json = try JSONSerialization.jsonObject(with: Data(report.json().utf8)) as? [String: Any]
    #expect(json?["drift"] as? Bool == true)
    #expect((json?["findings"] as? [[String: Any]])?.count == 3)
    let clean = DriftReport(
      findings: [], unchecked: [], server: "cp1", clusterChecked: true, tailnetChecked: true,
      generatedAt: Date())
    #expect(clean.exitStatus == 0)
    #expect(
      clean.textLines() == ["No drift: the cluster, the tailnet and the hosts match the inventory."]
    )
  }

  @Test func reservationsFallBackToConfigYAMLAndSayWhenUnknown() throws {
    let (nodes, settings) = try Fixtures.inventory()
    var cluster = Self.convergedCluster().compactMap(StatusKubeNode.init)
    for index in cluster.indices { cluster[index].annotations["k3s.io/node-args"] = nil }
    var check = DriftCheck(
      nodes: nodes, settings: settings, cluster: cluster, tailnet: Self.tailnet)
    check.configReservations = [
      "cp1": .success([
        "system-reserved": ["cpu": "500m", "memory": "1Gi", "ephemeral-storage": "1Gi"]
      ]),
      "w1": .success([:]),
      "w2": .failure(DriftReadError(message: "the host is offline in the tailnet")),
    ]
    let result = check.run()
    #expect(
      result.findings.map { "\($0.host) \($0.kind.rawValue)" } == [
        "w1 reservation", "w1 reservation",
      ])
    #expect(result.findings.allSatisfy { $0.message.contains("config.yaml has none") })
    #expect(
      result.unchecked == ["w2: reservations not compared: the host is offline in the tailnet"])
  }

  @Test func kubeletArgumentsAreReadFromTheNodeArgsAnnotation() {
    let arguments = DriftExpectations.kubeletArguments(
      nodeArgs:
        #"["agent","--token","********","--kubelet-arg","kube-reserved=cpu=1","--kubelet-arg=max-pods=50"]"#
    )
    #expect(arguments == ["kube-reserved=cpu=1", "max-pods=50"])
    #expect(DriftExpectations.kubeletArguments(nodeArgs: nil) == nil)
    #expect(DriftExpectations.kubeletArguments(nodeArgs: "not json") == nil)
    #expect(
      DriftExpectations.reservations(kubeletArguments: arguments ?? [])
        == ["kube-reserved": ["cpu": "1"]])
  }
}
