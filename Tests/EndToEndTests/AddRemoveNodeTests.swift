import ClusterMgrTesting
import Foundation
import Testing

/// `add-node` and `remove-node` (the real binary) on a lab cluster: lab-cp1 and lab-w1 are
/// provisioned; lab-w2 is a machine of the tailnet that is not in the inventory yet.
@Suite(.serialized, .lab("t-nodes", hosts: ["lab-cp1", "lab-w1", "lab-w2"]))
struct AddRemoveNodeTests {
  @Test func addNodeThenProvisionThenRemoveNode() throws {
    let lab = try LabInstance.required()
    let nodes = try NodesRun(lab: lab, omitting: ["lab-w2"])
    defer { nodes.cleanUp() }
    try nodes.provision()
    let original = try nodes.inventoryText()
    let w2 = lab.host("lab-w2").address

    // A dry run shows the block and writes nothing.
    let dry = try nodes.run(["add-node", "lab-w2", "--role", "worker", "--dry-run"])
    #expect(dry.status == 0, "\(dry.stderr)")
    #expect(dry.stdout.contains("+        lab-w2:"))
    #expect(try nodes.inventoryText() == original)

    // No address: it comes from the tailnet; --provision joins the node and waits for Ready.
    let added = try nodes.run([
      "add-node", "lab-w2", "--role", "worker", "--labels", "zone=desk", "--provision",
      "--artifacts", try NodesRun.artifacts(), "-e", "k3s_version=v1.31.4+k3s1", "--no-kubeconfig",
    ])
    try #require(added.status == 0, "add-node failed:\n\(added.stdout)\n\(added.stderr)")
    #expect(added.stdout.contains("lab-w2: group workers, address \(w2) from the tailnet"))
    #expect(added.stdout.contains("lab-w2 is Ready (kubelet v1.31.4+k3s1)"))
    let withW2 = try nodes.inventoryText()
    let change = NodesRun.changedLines(from: original, to: withW2)
    #expect(change.removed.isEmpty)
    #expect(
      change.added == [
        "        lab-w2:", "          ansible_host: \(w2)", "          tailscale_ip: \(w2)",
        "          node_labels:",
        "            zone: desk",
      ])
    #expect(try nodes.readyStatus("lab-w2") == "True")
    let zone = try nodes.kubectl("get node lab-w2 -o jsonpath='{.metadata.labels.zone}'")
    #expect(zone.stdout == "desk")

    // Without a terminal and without --force nothing happens.
    let unconfirmed = try nodes.run(["remove-node", "lab-w2"])
    #expect(unconfirmed.status == 2)
    #expect(unconfirmed.stderr.contains("add --force"))
    #expect(try nodes.readyStatus("lab-w2") == "True")
    #expect(try nodes.inventoryText() == withW2)

    // Removed: gone from the cluster, K3s gone from the host, only its block gone.
    // The addons K3s deploys keep emptyDir data (metrics-server, traefik): their pods may go.
    let removed = try nodes.run(["remove-node", "lab-w2", "--force", "--delete-emptydir-data"])
    try #require(removed.status == 0, "remove-node failed:\n\(removed.stdout)\n\(removed.stderr)")
    #expect(removed.stdout.contains("drained lab-w2"))
    #expect(removed.stdout.contains("K3s removed from lab-w2"))
    #expect(try nodes.readyStatus("lab-w2") == nil)
    let leftovers = try lab.exec(
      "lab-w2",
      "ls /usr/local/bin/k3s /etc/rancher/k3s /var/lib/rancher/k3s 2>/dev/null; systemctl is-active k3s-agent"
    )
    #expect(leftovers.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "inactive")
    let afterRemoval = try nodes.inventoryText()
    let removal = NodesRun.changedLines(from: withW2, to: afterRemoval)
    #expect(removal.added.isEmpty)
    #expect(removal.removed == change.added)
    #expect(afterRemoval == original)

    // The history has both changes.
    let history = try nodes.run(["history", "list"])
    #expect(history.stdout.contains("add-node"))
    #expect(history.stdout.contains("remove-node"))

    // A host that is down: removed from the cluster and the inventory, the uninstall is owed.
    try lab.stop("lab-w1")
    let unreachable = try nodes.run([
      "remove-node", "lab-w1", "--force", "--no-drain", "--connect-timeout", "3",
    ])
    #expect(unreachable.status == 4, "\(unreachable.stdout)\n\(unreachable.stderr)")
    #expect(
      unreachable.stdout.contains(
        "lab-w1 is not reachable over SSH, so K3s is still installed there"))
    #expect(try nodes.readyStatus("lab-w1") == nil)
    #expect(!(try nodes.inventoryText()).contains("lab-w1:"))

    // An offline tailnet peer can still be added, with a warning.
    let offline = try nodes.run(["add-node", "lab-w1", "--role", "worker", "--dry-run"])
    #expect(offline.status == 0, "\(offline.stderr)")
    #expect(offline.stderr.contains("lab-w1 is offline in the tailnet"))
  }

  @Test func removingTheLastControlPlaneIsRefused() throws {
    let lab = try LabInstance.required()
    let nodes = try NodesRun(lab: lab, omitting: ["lab-w2"])
    defer { nodes.cleanUp() }
    try nodes.provision(["--limit", "lab-cp1"])
    let before = try nodes.inventoryText()
    let refused = try nodes.run(["remove-node", "lab-cp1", "--force"])
    #expect(refused.status == 2)
    #expect(
      refused.stderr.contains("lab-cp1 is the last control-plane node (server) of the cluster"))
    #expect(try nodes.readyStatus("lab-cp1") == "True")
    #expect(try nodes.inventoryText() == before)
  }

  @Test func addNodeRefusesWhatTheInventoryOrTheTailnetContradicts() throws {
    let lab = try LabInstance.required()
    let nodes = try NodesRun(lab: lab, omitting: ["lab-w2"])
    defer { nodes.cleanUp() }
    let before = try nodes.inventoryText()
    let w1 = lab.host("lab-w1").address
    let refusals: [([String], String)] = [
      (["lab-w1"], "lab-w1 is already in"),
      (["LAB-W1"], "is not a valid Kubernetes node name"),
      (["lab-new", w1], "\(w1) is already the tailscale_ip of lab-w1"),
      (["no-such-host"], "No tailnet node is called no-such-host"),
      (["lab-w2", "not-an-ip"], "'not-an-ip' is not an IP address"),
      (["lab-w2", "--labels", "zone=desk,bad key=1"], "--labels: label key 'bad key'"),
      (["lab-w2", "--labels", "novalue"], "label 'novalue' has no value"),
      (["lab-w2", "--taints", "gpu=yes:Sometimes"], "--taints: taint effect 'Sometimes'"),
      (["lab-w2", "--reserved-cpu", "two"], "--reserved-cpu: 'two' is not a CPU quantity"),
      (
        ["lab-w2", "--reserved-memory", "lots"],
        "--reserved-memory: 'lots' is not a memory quantity"
      ),
    ]
    for (arguments, message) in refusals {
      let result = try nodes.run(["add-node"] + arguments + ["--role", "worker"])
      #expect(result.status == 2, "\(arguments): \(result.stdout)")
      #expect(result.stderr.contains(message), "\(arguments): \(result.stderr)")
    }
    // An address the tailnet gives another name is only a warning.
    let moved = try nodes.run([
      "add-node", "lab-w2", "100.64.250.250", "--role", "worker", "--dry-run",
    ])
    #expect(moved.status == 0)
    #expect(moved.stderr.contains("the tailnet's lab-w2 has \(lab.host("lab-w2").address)"))
    #expect(try nodes.inventoryText() == before)

    // A control plane goes into control_plane, with every option as its variable.
    let server = try nodes.run([
      "add-node", "lab-w2", "--role", "control-plane", "--gpu", "--reserved-cpu", "500m",
      "--reserved-memory", "1Gi",
      "--taints", "dedicated=ml:NoSchedule", "--user", "labpw", "--output", "json",
    ])
    try #require(server.status == 0, "\(server.stderr)")
    let report = try #require(
      try JSONSerialization.jsonObject(with: Data(server.stdout.utf8)) as? [String: Any])
    #expect(report["group"] as? String == "control_plane")
    #expect(report["written"] as? Bool == true)
    let change = NodesRun.changedLines(from: before, to: try nodes.inventoryText())
    let w2 = lab.host("lab-w2").address
    #expect(
      change.added == [
        "        lab-w2:", "          ansible_host: \(w2)", "          tailscale_ip: \(w2)",
        "          ansible_user: labpw",
        "          gpu: true", "          reserved_cpu: 500m", "          reserved_memory: 1Gi",
        "          node_taints:",
        "            - dedicated=ml:NoSchedule",
      ])
    let validate = try nodes.run(["inventory", "--validate"])
    #expect(validate.status == 0, "\(validate.stdout)")
  }
}
