import ClusterMgrTesting
import Foundation
import Inventory
import Testing

/// Issue 17's day 2 on the demo's cluster (a server, two workers, a GPU worker; GPU
/// time-slicing and Flux as scripts/demo sets them; labels, taints and reservations on the
/// workers): `export` yields an inventory equivalent to the one that built the cluster, on
/// which `provision --check` has nothing to change; `reset` leaves no K3s process, unit, binary
/// or data directory on any host, and the workstation's other kubeconfig contexts intact.
@Suite(.serialized, .lab("d2-export", hosts: ["lab-cp1", "lab-w1", "lab-w2", "lab-gpu1"]))
struct ExportResetLabTests {
  /// What scripts/demo adds to the lab's inventory, and the workers' own settings.
  static func demoInventory(_ text: String) -> String {
    let clusterVars = [
      "    gpu_time_slicing_enabled: true",
      "    gpu_time_slicing_replicas: 4",
      "    git_repo_url: ssh://git@github.com/example/homelab.git",
      "    git_path: ./gitops/clusters/homelab",
      "    git_known_hosts: github.com ssh-ed25519 "
        + "AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl",
      "  children:",
    ]
    let w1 = [
      "        lab-w1:", "          reserved_cpu: 500m", "          reserved_memory: 1Gi",
      "          system_reserved_memory: 2Gi", "          node_labels:",
      "            tier: gold", "            zone: desk", "          node_taints:",
      "            - dedicated=batch:NoSchedule",
    ]
    let w2 = ["        lab-w2:", "          node_labels:", "            tier: silver"]
    return
      text
      .replacingOccurrences(
        of: "\n  children:\n", with: "\n" + clusterVars.joined(separator: "\n") + "\n"
      )
      .replacingOccurrences(of: "        lab-w1:\n", with: w1.joined(separator: "\n") + "\n")
      .replacingOccurrences(of: "        lab-w2:\n", with: w2.joined(separator: "\n") + "\n")
  }

  /// An unrelated cluster already in the workstation's kubeconfig.
  static let office = """
    apiVersion: v1
    kind: Config
    clusters:
    - name: office
      cluster: {server: "https://192.0.2.10:6443"}
    contexts:
    - name: office
      context: {cluster: office, user: office-admin}
    users:
    - name: office-admin
      user: {token: office-token}
    current-context: office

    """

  @Test func exportRebuildsTheInventoryAndResetTearsTheClusterDown() throws {
    let lab = try LabInstance.required()
    let run = try ClusterMgrRun(lab: lab, inventory: Self.demoInventory)
    try Self.office.write(toFile: run.kubeconfigPath, atomically: true, encoding: .utf8)
    let (built, _) = try run.provision()
    try #require(built.status == 0, "provision failed:\n\(built.stdout)\n\(built.stderr)")

    try exportIsEquivalentAndNeedsNoChange(run, lab)
    try resetRemovesK3sEverywhereAndOnlyThisClustersContext(run, lab)
  }

  func exportIsEquivalentAndNeedsNoChange(_ run: ClusterMgrRun, _ lab: LabInstance) throws {
    let exported = (run.inventoryPath as NSString).deletingLastPathComponent + "/exported.yml"
    let export = try run.run([
      "export", "--server", "lab-cp1", "--cluster-name", lab.name, "--user", "lab", "--key",
      lab.keyPath, "-i", exported,
    ])
    try #require(export.status == 0, "export failed:\n\(export.stdout)\n\(export.stderr)")
    #expect(export.stdout.contains("lab-cp1 → control_plane"))
    #expect(export.stdout.contains("lab-gpu1 → workers"))
    let again = try run.run(["export", "--server", "lab-cp1", "-i", exported])
    #expect(again.status == 2 && again.stderr.contains("already exists"), "\(again.stderr)")

    let original = try InventoryLoader.load(path: run.inventoryPath)
    let rebuilt = try InventoryLoader.load(path: exported)
    #expect(try Self.shape(original) == Self.shape(rebuilt))
    #expect(rebuilt.clusterSettings.gpuTimeSlicingReplicas == 4)
    #expect(rebuilt.clusterSettings.gitRepoURL == original.clusterSettings.gitRepoURL)
    #expect(rebuilt.clusterSettings.k3sVersion == original.clusterSettings.k3sVersion)
    let validate = try run.run(["inventory", "--validate", "-i", exported])
    #expect(validate.status == 0, "\(validate.stdout)\n\(validate.stderr)")

    let (check, events) = try run.provision(["--check", "-i", exported])
    #expect(check.status == 0, "\(check.stderr)")
    #expect(
      events.changedTasks.isEmpty,
      "provision --check on the export changes: \(events.changedTasks.map { "\($0["host"] ?? "") \($0["task"] ?? ""): \($0["summary"] ?? "")" })"
    )
  }

  /// Per host: group role, GPU, labels, taints and every reservation.
  static func shape(_ inventory: ResolvedInventory) throws -> [String: String] {
    var shape: [String: String] = [:]
    for node in try inventory.nodes() {
      shape[node.name] = [
        node.role?.rawValue ?? "-", "gpu=\(node.gpu)",
        node.labels.map { "\($0.key)=\($0.value)" }.sorted().joined(separator: ","),
        node.taints.map(\.description).sorted().joined(separator: ","),
        node.reservedCPU ?? "-", node.reservedMemory ?? "-", node.reservedEphemeralStorage,
        node.systemReservedCPU, node.systemReservedMemory, node.systemReservedEphemeralStorage,
        node.tailscaleIP ?? "-",
      ].joined(separator: " | ")
    }
    return shape
  }

  func resetRemovesK3sEverywhereAndOnlyThisClustersContext(
    _ run: ClusterMgrRun, _ lab: LabInstance
  ) throws {
    let pods = try lab.exec("lab-w1", "lab-k3s-pods start --pods 1")
    try #require(pods.status == 0, "\(pods.stderr)")
    let check = try run.run(["reset", "--check"])
    #expect(check.status == 0, "\(check.stdout)\n\(check.stderr)")
    let order = ["lab-w1", "lab-w2", "lab-gpu1", "lab-cp1"].compactMap { host in
      check.stdout.range(of: ". \(host) (").map {
        check.stdout.distance(from: check.stdout.startIndex, to: $0.lowerBound)
      }
    }
    #expect(order.count == 4 && order == order.sorted(), "agents first:\n\(check.stdout)")
    #expect(check.stdout.contains("the context, cluster and user \(lab.name)"))
    #expect(try lab.exec("lab-cp1", "systemctl is-active k3s").stdout.trimmed == "active")
    let unconfirmed = try run.run(["reset"])
    #expect(unconfirmed.status == 2, "\(unconfirmed.stderr)")

    let reset = try run.run(["reset", "--force"])
    try #require(reset.status == 0, "reset failed:\n\(reset.stdout)\n\(reset.stderr)")
    for host in lab.hosts.map(\.name) {
      let left = try lab.exec(
        host,
        """
        for p in /usr/local/bin/k3s /etc/systemd/system/k3s.service /etc/systemd/system/k3s-agent.service \
          /var/lib/rancher/k3s /etc/rancher/k3s /var/lib/kubelet /run/k3s /var/lib/cluster-mgr \
          /usr/local/bin/cluster-mgr-k3s-uninstall.sh; do [ -e "$p" ] && echo "$p"; done
        for u in k3s k3s-agent; do systemctl is-active --quiet "$u" && echo "unit $u"; done
        ps -e -o args= | grep -E '(^|/)k3s (server|agent)|/var/lib/rancher/k3s/data/' | grep -v grep
        grep -l LAB_K3S_POD /proc/[0-9]*/environ 2>/dev/null
        true
        """)
      #expect(left.stdout.trimmed.isEmpty, "left on \(host): \(left.stdout)")
      #expect(try lab.exec(host, "systemctl is-active tailscaled").stdout.trimmed == "active")
    }
    let kubeconfig = try String(contentsOfFile: run.kubeconfigPath, encoding: .utf8)
    #expect(kubeconfig.contains("name: office") && kubeconfig.contains("office-token"))
    #expect(!kubeconfig.contains(lab.name), "\(kubeconfig)")
    let history = try run.run(["history", "--command", "reset", "--output", "json"])
    let runs = try JSONSerialization.jsonObject(with: Data(history.stdout.utf8)) as? [[String: Any]]
    #expect(runs?.first?["outcome"] as? String == "succeeded")
  }
}
