import ClusterMgrTesting
import Foundation
import Testing

/// What real hosts would do with what cluster-mgr writes, against stand-ins as strict as the
/// pinned upstream versions (docs/lab.md): a GPU node without time-slicing (device plugin
/// v0.20.0 refuses fewer than 2 replicas), labels and taints from `k3s_agent_args` next to the
/// registration drop-in (K3s merges `config.yaml.d` lists by replacing them unless `key+`),
/// `kubelet-arg` extras next to the reservations, an `api_port` other than 6443, an scp-style Git
/// URL (source-controller's CRD pattern), and `remove-node` on a host with running pods (K3s's
/// killall kills the shims' whole process trees).
@Suite(.serialized, .lab("up-upstream", hosts: ["lab-cp1", "lab-w1", "lab-gpu1"]))
struct UpstreamBehaviourTests {
  static let apiPort = 6445
  static let scpURL = "git@github.com:example/homelab.git"

  /// The lab's inventory with time-slicing at its default (off), the API on `apiPort`, Flux on
  /// an scp-style URL, and lab-w1 with labels, taints and kubelet args from three places.
  static func runner() throws -> ClusterMgrRun {
    try ClusterMgrRun(lab: try LabInstance.required()) { text in
      text.replacingOccurrences(
        of: "  children:\n",
        with: """
              api_port: \(apiPort)
              git_repo_url: \(scpURL)
              git_path: ./clusters/up
              git_known_hosts: github.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl
            children:

          """, options: [], range: text.range(of: "  children:\n")
      ).replacingOccurrences(
        of: "        lab-w1:\n",
        with: """
                  lab-w1:
                    reserved_cpu: 500m
                    node_labels:
                      tier: lab
                    node_taints:
                      - dedicated=lab:NoSchedule
                    k3s_agent_args:
                      node-label: ["from-extras=yes"]
                      node-taint: ["CriticalAddonsOnly=true:NoExecute"]
                      kubelet-arg: ["max-pods=50"]

          """)
    }
  }

  /// Provisions once for the suite (the tests build on the cluster).
  static func ensureCluster(_ run: ClusterMgrRun) throws {
    if try run.lab.exec("lab-cp1", "systemctl is-active --quiet k3s").status == 0 { return }
    let (result, events) = try run.provision()
    try #require(result.status == 0, "provision failed:\n\(Self.failures(events))\(result.stderr)")
  }

  @Test func anAPIPortOtherThan6443IsWhereServersListenAndNodesJoin() throws {
    // The suite's provision: every node joins through the port, the kubeconfig points at it.
    let run = try Self.runner()
    let (result, events) = try run.provision()
    try #require(result.status == 0, "provision failed:\n\(Self.failures(events))\(result.stderr)")
    let cp = run.lab.host("lab-cp1").address
    let kubeconfig = try String(contentsOfFile: run.kubeconfigPath, encoding: .utf8)
    #expect(kubeconfig.contains("server: https://\(cp):\(Self.apiPort)"))
    let ping = try run.lab.exec("lab-w1", "curl -sk https://\(cp):\(Self.apiPort)/ping")
    #expect(ping.stdout == "pong", "\(ping.stdout) \(ping.stderr)")
    #expect(try run.lab.exec("lab-w1", "curl -sk https://\(cp):6443/ping").status != 0)
    let nodes = try run.kubectlJSON(["get", "nodes"])["items"] as? [[String: Any]] ?? []
    #expect(nodes.count == 3)
    #expect(nodes.allSatisfy { $0.condition("Ready") == "True" })
  }

  @Test func aGPUNodeWithoutTimeSlicingOffersItsGPU() throws {
    let run = try Self.runner()
    try Self.ensureCluster(run)
    let config = try run.kubectlJSON([
      "get", "configmap", "nvidia-device-plugin-config", "-n", "kube-system",
    ])
    let text = (config["data"] as? [String: String])?["config.yaml"] ?? ""
    #expect(text == "version: v1\n", "\(text)")
    let node = try run.kubectlJSON(["get", "node", "lab-gpu1"])
    #expect(node.string("status", "allocatable", "nvidia.com/gpu") == "1")
    let pods = try run.lab.exec(
      "lab-cp1", "k3s kubectl -n kube-system get pods -l name=nvidia-device-plugin-ds --no-headers")
    #expect(pods.stdout.contains("Running") && !pods.stdout.contains("CrashLoopBackOff"), "\(pods)")

    // What cluster-mgr wrote before (replicas: 1): the plugin exits as v0.20.0 does.
    try Self.restartPlugin(run.lab, config: Self.pluginConfig(replicas: 1))
    let exited = try StandIn.eventually(30) {
      let message = try run.lab.exec(
        "lab-cp1",
        "k3s kubectl -n kube-system get pods -l name=nvidia-device-plugin-ds -o jsonpath='{.items[*].status.containerStatuses[0].lastState.terminated.message}'"
      ).stdout
      return message.hasSuffix(
        "error unmarshaling JSON: while decoding JSON: number of replicas must be >= 2")
    }
    #expect(exited)
    #expect(try StandIn.eventually(15) { try Self.offered(run) == "0" })
    try Self.restartPlugin(run.lab, config: "version: v1")
    #expect(try StandIn.eventually(30) { try Self.offered(run) == "1" })
  }

  /// The plugin's ConfigMap with `replicas` time-sliced replicas.
  static func pluginConfig(replicas: Int) -> String {
    """
    version: v1
    sharing:
      timeSlicing:
        resources:
          - name: nvidia.com/gpu
            replicas: \(replicas)
    """
  }

  /// Replaces the plugin's config and restarts it (it reads the config only when it starts).
  static func restartPlugin(_ lab: LabInstance, config: String) throws {
    let indented = config.split(separator: "\n").map { "    " + $0 }.joined(separator: "\n")
    let manifest = """
      apiVersion: v1
      kind: ConfigMap
      metadata: {name: nvidia-device-plugin-config, namespace: kube-system}
      data:
        config.yaml: |
      \(indented)

      """
    let applied = try StandIn.kubectl(lab, "lab-cp1", "apply -f -", input: manifest)
    #expect(applied.status == 0, "\(applied.stderr)")
    let restarted = try StandIn.kubectl(
      lab, "lab-cp1", "-n kube-system rollout restart ds/nvidia-device-plugin-daemonset")
    #expect(restarted.status == 0, "\(restarted.stderr)")
  }

  /// What lab-gpu1 offers as `nvidia.com/gpu` (allocatable).
  static func offered(_ run: ClusterMgrRun) throws -> String? {
    try run.kubectlJSON(["get", "node", "lab-gpu1"]).string(
      "status", "allocatable", "nvidia.com/gpu")
  }

  @Test func labelsTaintsAndKubeletArgsFromExtrasAddToClusterMgrs() throws {
    let run = try Self.runner()
    try Self.ensureCluster(run)
    let node = try run.kubectlJSON(["get", "node", "lab-w1"])
    let taints = (node.at("spec", "taints") as? [[String: String]] ?? []).map {
      "\($0["key"] ?? "")=\($0["value"] ?? ""):\($0["effect"] ?? "")"
    }
    #expect(Set(taints) == ["CriticalAddonsOnly=true:NoExecute", "dedicated=lab:NoSchedule"])
    #expect(node.labels["from-extras"] == "yes")
    #expect(node.labels["tier"] == "lab")
    // max-pods from the extras, and both reservations (kube 500m, system 500m by default).
    #expect(node.string("status", "capacity", "pods") == "50")
    let capacity = Self.millicores(node.string("status", "capacity", "cpu"))
    let allocatable = Self.millicores(node.string("status", "allocatable", "cpu"))
    #expect(capacity - allocatable == 1000, "capacity \(capacity)m, allocatable \(allocatable)m")
  }

  @Test func anScpStyleGitURLReachesFluxAsSSH() throws {
    let run = try Self.runner()
    try Self.ensureCluster(run)
    let repo = try run.kubectlJSON(["get", "gitrepository", "flux-system", "-n", "flux-system"])
    #expect(repo.string("spec", "url") == "ssh://git@github.com/example/homelab.git")
    #expect(repo.condition("Ready") == "True")
    // As on a real cluster, the CRD's schema refuses the scp form itself.
    let scp = """
      apiVersion: source.toolkit.fluxcd.io/v1
      kind: GitRepository
      metadata: {name: scp, namespace: flux-system}
      spec: {interval: 1m0s, url: "\(Self.scpURL)", ref: {branch: main}}
      """
    let refused = try run.lab.exec(
      "lab-cp1", "printf '%s\\n' '\(scp)' | k3s kubectl apply -f -")
    #expect(refused.status != 0)
    #expect(
      refused.stderr.contains("spec.url in body should match '^(http|https|ssh)://.*$'"),
      "\(refused.stderr)")
  }

  @Test func whatTheStandInServesValidatesAgainstTheKubernetesSchemas() throws {
    let run = try Self.runner()
    try Self.ensureCluster(run)
    let kinds =
      "nodes,namespaces,pods,configmaps,services,serviceaccounts,deployments,daemonsets,replicasets,jobs,runtimeclasses,priorityclasses"
    let listed = try run.lab.exec("lab-cp1", "k3s kubectl get \(kinds) -A -o json")
    try #require(listed.status == 0, "\(listed.stderr)")
    let list = try #require(
      try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [String: Any])
    let items = list["items"] as? [[String: Any]] ?? []
    #expect(items.count > 20)
    let file = FileManager.default.temporaryDirectory.appendingPathComponent(
      "up-objects-\(UUID().uuidString).json")
    let documents = try items.map {
      String(decoding: try JSONSerialization.data(withJSONObject: $0), as: UTF8.self)
    }
    try documents.joined(separator: "\n---\n").write(to: file, atomically: true, encoding: .utf8)
    defer { try? FileManager.default.removeItem(at: file) }
    let validated = try ProcessRunner.run([
      Repository.venvTool("kubernetes-validate"), "--strict", "--quiet", "-k", "1.36", file.path,
    ])
    #expect(validated.status == 0, "\(validated.stdout.prefix(3000))")
  }

  @Test func removeNodeLeavesNoContainerMountLinkRuleOrDirectory() throws {
    let run = try Self.runner()
    try Self.ensureCluster(run)
    let started = try run.lab.exec("lab-w1", "lab-k3s-pods start --pods 2")
    try #require(started.status == 0, "\(started.stderr)")
    let before = try Self.census(run.lab, "lab-w1")
    #expect((before["processes"] as? [String])?.count == 8, "\(before)")
    #expect((before["mounts"] as? [String])?.count ?? 0 >= 4, "\(before)")
    #expect((before["links"] as? [String])?.count == 8, "\(before)")
    #expect(!((before["iptables"] as? [String]) ?? []).isEmpty)

    let removed = try run.run(["remove-node", "lab-w1", "--force"])
    try #require(removed.status == 0, "remove-node failed:\n\(removed.stdout)\n\(removed.stderr)")
    let after = try Self.census(run.lab, "lab-w1")
    for key in ["processes", "mounts", "netns", "links", "iptables", "ip6tables", "paths"] {
      #expect((after[key] as? [String]) == [], "left on lab-w1: \(key) \(after[key] ?? "")")
    }
    #expect(after["kept"] as? Bool == true, "the host's own LAB-KEEP rule must stay")
  }

  /// The failed tasks of a provision: host, task and what went wrong.
  static func failures(_ events: [[String: Any]]) -> String {
    events.taskEvents.filter { $0["status"] as? String == "failed" }.map {
      "\($0["host"] ?? "") \($0["task"] ?? ""): \($0["failure"] ?? "")\n"
    }.joined()
  }

  /// `lab-k3s-pods census` on `host`: what is left of running pods and of K3s.
  static func census(_ lab: LabInstance, _ host: String) throws -> [String: Any] {
    let result = try lab.exec(host, "lab-k3s-pods census")
    return (try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
      ?? ["error": result.stderr]
  }

  /// A CPU quantity (`4`, `3500m`) in millicores.
  static func millicores(_ quantity: String?) -> Int {
    guard let quantity else { return -1 }
    if quantity.hasSuffix("m") { return Int(quantity.dropLast()) ?? -1 }
    return Int((Double(quantity) ?? -1) * 1000)
  }
}
