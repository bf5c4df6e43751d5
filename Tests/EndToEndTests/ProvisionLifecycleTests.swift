import ClusterMgrTesting
import Foundation
import Testing

/// `cluster-mgr provision` on four real lab hosts (a server, two workers, a GPU worker): check
/// mode on fresh hosts, a cluster with every node Ready, a second run that changes and restarts
/// nothing, labels reconciled through the API, GPU-only runs, and a K3s upgrade.
@Suite(.serialized, .lab("t-prov", hosts: ["lab-cp1", "lab-w1", "lab-w2", "lab-gpu1"]))
struct ProvisionLifecycleTests {
  static let allHosts = ["lab-cp1", "lab-w1", "lab-w2", "lab-gpu1"]

  /// The test inventory: the lab's, with time-slicing on and Flux pointed at a private repo.
  static func runner() throws -> ClusterMgrRun {
    try ClusterMgrRun(lab: try LabInstance.required()) { text in
      text.replacingOccurrences(
        of: "  children:\n",
        with: """
              gpu_time_slicing_enabled: true
              gpu_time_slicing_replicas: 4
              git_repo_url: ssh://git@github.com/example/homelab.git
              git_path: ./clusters/t-prov
              git_known_hosts: github.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl
            children:

          """, options: [], range: text.range(of: "  children:\n"))
    }
  }

  /// Start times of the K3s services, by host.
  static func serviceStartTimes(_ lab: LabInstance) throws -> [String: String] {
    var times: [String: String] = [:]
    for host in allHosts {
      let unit = host == "lab-cp1" ? "k3s" : "k3s-agent"
      times[host] = try lab.exec(
        host, "systemctl show -p ActiveEnterTimestampMonotonic --value \(unit)"
      ).stdout
    }
    return times
  }

  /// Provisions the cluster once (for tests that need one).
  static func ensureCluster(_ run: ClusterMgrRun) throws {
    if try run.lab.exec("lab-cp1", "systemctl is-active --quiet k3s").status == 0 { return }
    let (result, _) = try run.provision()
    try #require(result.status == 0, "provision failed: \(result.stderr)")
  }

  @Test func freshHostsCheckThenProvisionThenNothingToDo() async throws {
    let lab = try LabInstance.required()
    let run = try Self.runner()

    // Check mode on fresh hosts: the full plan, nothing failed, nothing changed.
    let (check, checkEvents) = try run.provision(["--check"])
    #expect(check.status == 0, "check failed: \(check.stderr)")
    #expect(!checkEvents.taskEvents.contains { $0["status"] as? String == "failed" })
    let planned = Set(checkEvents.changedTasks.compactMap { $0["task"] as? String })
    #expect(planned.contains("k3s config"))
    #expect(planned.contains("nvidia-container-toolkit"))
    for host in Self.allHosts {
      #expect(
        try lab.exec(host, "test -e /usr/local/bin/k3s || test -e /etc/rancher/k3s/config.yaml")
          .status != 0)
    }

    // The real run: every host joined and Ready, the kubeconfig context on the workstation.
    let (first, _) = try run.provision()
    #expect(first.status == 0, "provision failed: \(first.stderr)")
    let nodes = try run.kubectlJSON(["get", "nodes"])["items"] as? [[String: Any]] ?? []
    let names = Set(nodes.compactMap { ($0["metadata"] as? [String: Any])?["name"] as? String })
    #expect(names == Set(Self.allHosts))
    for node in nodes {
      let conditions = (node["status"] as? [String: Any])?["conditions"] as? [[String: Any]] ?? []
      #expect(
        conditions.contains {
          $0["type"] as? String == "Ready" && $0["status"] as? String == "True"
        })
    }
    let kubeconfig = try String(contentsOfFile: run.kubeconfigPath, encoding: .utf8)
    #expect(kubeconfig.contains("name: t-prov"))
    #expect(kubeconfig.contains("server: https://\(lab.host("lab-cp1").address):6443"))
    let mode =
      try FileManager.default.attributesOfItem(atPath: run.kubeconfigPath)[.posixPermissions]
      as? Int
    #expect(mode == 0o600)
    // The config (with the token) is root-only on every host.
    #expect(try lab.exec("lab-w1", "stat -c %a /etc/rancher/k3s/config.yaml").stdout == "600\n")

    // A second run changes nothing and restarts nothing.
    let before = try Self.serviceStartTimes(lab)
    let (second, events) = try run.provision()
    #expect(second.status == 0)
    #expect(
      events.changedTasks.isEmpty,
      "changed: \(events.changedTasks.map { "\($0["host"]!) \($0["task"]!)" })")
    #expect(try Self.serviceStartTimes(lab) == before)
  }

  @Test func aWrongTailscaleAddressStopsTheHostAndNamesBothAddresses() async throws {
    let lab = try LabInstance.required()
    let real = lab.host("lab-w2").address
    let run = try ClusterMgrRun(lab: lab) { text in
      text.replacingOccurrences(
        of: "          tailscale_ip: \(real)\n", with: "          tailscale_ip: 100.64.250.250\n")
    }
    let result = try run.run([
      "provision", "--check", "--artifacts", try ClusterMgrRun.artifacts(), "--limit", "lab-w2",
    ])
    #expect(result.status == 1)
    let output = result.stdout + result.stderr
    #expect(output.contains("100.64.250.250"))
    #expect(output.contains(real))
    #expect(output.contains("lab-w2"))
  }

  @Test func gpuHostGetsTheToolkitRuntimeClassAndDevicePlugin() async throws {
    let lab = try LabInstance.required()
    let run = try Self.runner()
    try Self.ensureCluster(run)
    #expect(
      try lab.exec("lab-gpu1", "dpkg-query -W -f='${Status}' nvidia-container-toolkit").stdout
        == "install ok installed")
    #expect(
      try lab.exec(
        "lab-gpu1", "grep -c nvidia /var/lib/rancher/k3s/agent/etc/containerd/config.toml"
      ).status == 0)
    let runtimeClass = try run.kubectlJSON(["get", "runtimeclass", "nvidia"])
    #expect(runtimeClass["handler"] as? String == "nvidia")
    let plugin = try run.kubectlJSON([
      "get", "daemonset", "nvidia-device-plugin-daemonset", "-n", "kube-system",
    ])
    let selector =
      ((((plugin["spec"] as? [String: Any])?["template"] as? [String: Any])?["spec"]
        as? [String: Any])?["nodeSelector"] as? [String: String])
    #expect(selector == ["nvidia.com/gpu.present": "true"])
    let config = try run.kubectlJSON([
      "get", "configmap", "nvidia-device-plugin-config", "-n", "kube-system",
    ])
    #expect(((config["data"] as? [String: String])?["config.yaml"] ?? "").contains("replicas: 4"))
    let gpuNode = try run.kubectlJSON(["get", "node", "lab-gpu1"])
    let allocatable = (gpuNode["status"] as? [String: Any])?["allocatable"] as? [String: String]
    #expect(Int(allocatable?["nvidia.com/gpu"] ?? "0") ?? 0 >= 4)
  }

  @Test func fluxSyncsTheRepositoryWithADeployKeyMadeOnTheWorkstation() async throws {
    let run = try Self.runner()
    try Self.ensureCluster(run)
    let keyPath = run.stateDirectory + "/flux/t-prov/identity"
    let mode = try FileManager.default.attributesOfItem(atPath: keyPath)[.posixPermissions] as? Int
    #expect(mode == 0o600)
    let publicKey = try String(contentsOfFile: keyPath + ".pub", encoding: .utf8)
    #expect(publicKey.hasPrefix("ssh-ed25519 "))
    // ssh-keygen agrees that the private key is a valid OpenSSH key for that public key.
    let derived = try ProcessRunner.run(["ssh-keygen", "-y", "-f", keyPath])
    #expect(
      derived.stdout.split(separator: " ").prefix(2) == publicKey.split(separator: " ").prefix(2))
    let secret = try run.kubectlJSON(["get", "secret", "flux-system", "-n", "flux-system"])
    let keys = Set((secret["data"] as? [String: String] ?? [:]).keys)
    #expect(keys.isSuperset(of: ["identity", "identity.pub", "known_hosts"]))
    for kind in ["gitrepository", "kustomization"] {
      let object = try run.kubectlJSON(["get", kind, "flux-system", "-n", "flux-system"])
      let conditions = (object["status"] as? [String: Any])?["conditions"] as? [[String: Any]] ?? []
      #expect(
        conditions.contains {
          $0["type"] as? String == "Ready" && $0["status"] as? String == "True"
        }, "\(kind) Ready")
    }
    let repo = try run.kubectlJSON(["get", "gitrepository", "flux-system", "-n", "flux-system"])
    #expect(
      (repo["spec"] as? [String: Any])?["url"] as? String
        == "ssh://git@github.com/example/homelab.git")
  }

  @Test func aNewTimeSlicingConfigurationRestartsTheDevicePlugin() async throws {
    let run = try Self.runner()
    try Self.ensureCluster(run)
    /// Changes the replicas in the inventory, provisions the gpu tags and checks what the node
    /// offers. The plugin reads its configuration only when it starts: the offered GPUs follow
    /// only if the new configuration restarted it.
    func changeReplicas(from old: Int, to new: Int) throws {
      try run.editInventory {
        $0.replacingOccurrences(
          of: "gpu_time_slicing_replicas: \(old)", with: "gpu_time_slicing_replicas: \(new)")
      }
      let (result, events) = try run.provision(["--tags", "gpu"])
      #expect(result.status == 0, "\(result.stderr)\n\(result.stdout.suffix(3000))")
      #expect(
        events.changedTasks.contains {
          ($0["task"] as? String)?.hasPrefix("device plugin and time-slicing (\(new) per GPU)")
            == true
        })
      let node = try run.kubectlJSON(["get", "node", "lab-gpu1"])
      let allocatable = (node["status"] as? [String: Any])?["allocatable"] as? [String: String]
      #expect(allocatable?["nvidia.com/gpu"] == "\(new)")
    }
    try changeReplicas(from: 4, to: 2)
    // Back to 4: the cluster follows again (and later tests find it as the inventory says).
    try changeReplicas(from: 2, to: 4)
  }

  @Test func gpuTagsLimitedToTheGPUHostTouchOnlyItsGPUTasks() async throws {
    let lab = try LabInstance.required()
    let run = try Self.runner()
    try Self.ensureCluster(run)
    try lab.exec("lab-gpu1", "rm -f /etc/apt/sources.list.d/nvidia-container-toolkit.list")
    let (result, events) = try run.provision(["--tags", "gpu", "--limit", "lab-gpu1"])
    #expect(result.status == 0, "\(result.stderr)")
    // The GPU host's tasks, and on the first server only the read of the admin kubeconfig the
    // cluster's API needs (tagged always; nothing changes there).
    let elsewhere = events.taskEvents.filter { $0["host"] as? String != "lab-gpu1" }
    #expect(
      elsewhere.allSatisfy {
        $0["host"] as? String == "lab-cp1" && $0["task"] as? String == "read the admin kubeconfig"
          && $0["status"] as? String == "ok"
      }, "\(elsewhere)")
    #expect(Set(events.changedTasks.compactMap { $0["host"] as? String }) == ["lab-gpu1"])
    #expect(events.changedTasks.allSatisfy { $0["role"] as? String == "gpu" })
    #expect(events.changedTasks.contains { $0["task"] as? String == "NVIDIA apt source" })
    #expect(
      try lab.exec("lab-gpu1", "test -f /etc/apt/sources.list.d/nvidia-container-toolkit.list")
        .status == 0)
  }

  @Test func labelsAreAddedChangedAndRemovedThroughTheAPI() async throws {
    let run = try Self.runner()
    try Self.ensureCluster(run)
    func labels(_ node: String) throws -> [String: String] {
      ((try run.kubectlJSON(["get", "node", node])["metadata"] as? [String: Any])?["labels"]
        as? [String: String]) ?? [:]
    }
    let w2Before = try labels("lab-w2")
    let startedBefore = try Self.serviceStartTimes(run.lab)
    try run.editInventory {
      $0.replacingOccurrences(
        of: "        lab-w1:\n",
        with: "        lab-w1:\n          node_labels:\n            tier: gold\n")
    }
    let (added, addEvents) = try run.provision()
    #expect(added.status == 0, "\(added.stderr)")
    #expect(try labels("lab-w1")["tier"] == "gold")
    #expect(try labels("lab-w2") == w2Before)
    // Only lab-w1 changes: its labels through the API (the cluster play, from the workstation),
    // and the labels it would register with if it were ever reinstalled; nothing restarts.
    #expect(
      Set(addEvents.changedTasks.compactMap { $0["host"] as? String }).isSubset(of: [
        "lab-w1", "cluster",
      ]))
    #expect(
      addEvents.changedTasks.filter { $0["host"] as? String == "cluster" }.compactMap {
        $0["task"] as? String
      } == ["lab-w1 labels and taints"],
      "\(addEvents.changedTasks.filter { $0["host"] as? String == "cluster" })")
    #expect(
      addEvents.changedTasks.filter { $0["host"] as? String == "lab-w1" }.compactMap {
        $0["task"] as? String
      } == ["k3s registration labels and taints"])
    #expect(try Self.serviceStartTimes(run.lab) == startedBefore)

    try run.editInventory { $0.replacingOccurrences(of: "tier: gold", with: "tier: silver") }
    _ = try run.provision()
    #expect(try labels("lab-w1")["tier"] == "silver")

    try run.editInventory {
      $0.replacingOccurrences(of: "          node_labels:\n            tier: silver\n", with: "")
    }
    let (removed, _) = try run.provision()
    #expect(removed.status == 0)
    #expect(try labels("lab-w1")["tier"] == nil)
    #expect(try labels("lab-w2") == w2Before)
  }

  @Test func bumpingTheK3sVersionUpgradesServersFirstThenAgents() async throws {
    let run = try Self.runner()
    try Self.ensureCluster(run)
    let (result, events) = try run.provision(["-e", "k3s_version=v1.31.5+k3s1"])
    #expect(result.status == 0, "\(result.stderr)")
    let nodes = try run.kubectlJSON(["get", "nodes"])["items"] as? [[String: Any]] ?? []
    for node in nodes {
      let info = (node["status"] as? [String: Any])?["nodeInfo"] as? [String: Any]
      #expect(info?["kubeletVersion"] as? String == "v1.31.5+k3s1")
    }
    let binaryChanges = events.changedTasks.filter {
      ($0["task"] as? String)?.hasPrefix("k3s v1.31.5+k3s1 binary") == true
    }
    let order = binaryChanges.compactMap { $0["host"] as? String }
    #expect(order.first == "lab-cp1")
    #expect(Set(order.dropFirst()) == ["lab-w1", "lab-w2", "lab-gpu1"])
  }
}
