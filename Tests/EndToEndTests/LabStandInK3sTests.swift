import ClusterMgrTesting
import Foundation
import Testing

/// The lab's K3s stand-in, driven by hand as the roles drive real K3s: the artifact pushed and
/// verified, config.yaml, the systemd unit, the API through `k3s kubectl` and from the workstation.
@Suite(.serialized, .lab("t-k3s", hosts: ["lab-cp1", "lab-w1", "lab-w2"]))
struct LabStandInK3sTests {
  static let token = "lab-shared-secret-0123456789"

  func serverConfig(_ lab: LabInstance) -> String {
    let ip = lab.host("lab-cp1").address
    return """
      node-ip: \(ip)
      advertise-address: \(ip)
      flannel-iface: tailscale0
      tls-san:
        - \(ip)
        - lab-cp1.lab-tailnet.ts.net
      token: \(Self.token)
      node-label: ["homelab.io/role=server"]
      kubelet-arg:
        - "kube-reserved=cpu=500m,memory=1Gi"
        - "system-reserved=cpu=250m,memory=512Mi"
      """
  }

  func agentConfig(
    _ lab: LabInstance, _ host: String, token: String = Self.token, server: String? = nil,
    nodeIP: String? = nil, labels: [String] = []
  ) -> String {
    """
    server: https://\(server ?? lab.host("lab-cp1").address):6443
    token: \(token)
    node-ip: \(nodeIP ?? lab.host(host).address)
    flannel-iface: tailscale0
    node-label: [\(labels.map { "\"\($0)\"" }.joined(separator: ", "))]
    """
  }

  /// Server up (once per suite; the tests build on each other in order).
  func ensureServer(_ lab: LabInstance) throws {
    if try StandIn.sh(lab, "lab-cp1", "systemctl is-active k3s").stdout == "active\n" { return }
    try StandIn.install(lab, StandIn.oldVersion, on: "lab-cp1")
    try StandIn.configure(
      lab, "lab-cp1", mode: "server", config: serverConfig(lab),
      labEnv: ["LAB_K3S_NODE_MONITOR_GRACE_PERIOD": "6"])
    let started = try StandIn.start(lab, "lab-cp1", "k3s")
    let log = try StandIn.journal(lab, "lab-cp1", "k3s")
    #expect(started.status == 0, "k3s did not start: \(log)")
  }

  func ensureAgent(_ lab: LabInstance, _ host: String) throws {
    if try StandIn.sh(lab, host, "systemctl is-active k3s-agent").stdout == "active\n" { return }
    try StandIn.install(lab, StandIn.oldVersion, on: host)
    try StandIn.configure(
      lab, host, mode: "agent", config: agentConfig(lab, host, labels: ["homelab.io/pool=a"]))
    let started = try StandIn.start(lab, host, "k3s-agent")
    let log = try StandIn.journal(lab, host, "k3s-agent")
    #expect(started.status == 0, "k3s-agent on \(host): \(log)")
  }

  @Test func artifactsMirrorTheReleaseAssets() throws {
    let lab = try LabInstance.required()
    let dir = try StandIn.artifacts(lab)
    #expect(try StandIn.env(lab)["LAB_ARTIFACTS"] == dir)
    var sums: [String] = []
    for version in [StandIn.oldVersion, StandIn.newVersion] {
      let base = "\(dir)/k3s/\(version)"
      let text = try String(contentsOfFile: base + "/sha256sum-amd64.txt", encoding: .utf8)
      let parts = text.split(separator: " ", omittingEmptySubsequences: true)
      #expect(parts.count == 2 && parts[1] == "k3s\n", "\(text)")
      let actual = try ProcessRunner.run(["sha256sum", base + "/k3s"]).stdout.split(separator: " ")
        .first
      #expect(actual.map(String.init) == parts.first.map(String.init))
      #expect(FileManager.default.isExecutableFile(atPath: base + "/k3s"))
      #expect(FileManager.default.fileExists(atPath: base + "/sha256sum-arm64.txt"))
      sums.append(String(parts[0]))
      let head = try String(contentsOfFile: base + "/k3s", encoding: .isoLatin1).prefix(200)
      #expect(head.contains("LAB STAND-IN, never shipped"))
    }
    #expect(sums[0] != sums[1], "each version is a different file")
    // No host has k3s at boot: it arrives through the artifact path only.
    #expect(try StandIn.sh(lab, "lab-w2", "test -e /usr/local/bin/k3s").status != 0)
    try StandIn.install(lab, StandIn.oldVersion, on: "lab-w2")
    let version = try StandIn.sh(lab, "lab-w2", "k3s --version").stdout
    #expect(version.hasPrefix("k3s version v1.31.4+k3s1 ("), "\(version)")
    #expect(version.contains("\ngo version go1.22.9"))
  }

  @Test func serverWritesTokenKubeconfigAndRegistersItself() throws {
    let lab = try LabInstance.required()
    let ip = lab.host("lab-cp1").address
    try ensureServer(lab)
    // Token: K10<sha256 of the server CA>::server:<the configured token>, private; node-token links to it.
    let files = try StandIn.sh(
      lab, "lab-cp1",
      "cat /var/lib/rancher/k3s/server/token; sha256sum /var/lib/rancher/k3s/server/tls/server-ca.crt | cut -d' ' -f1; "
        + "stat -c %a /var/lib/rancher/k3s/server/token /etc/rancher/k3s/k3s.yaml; "
        + "readlink /var/lib/rancher/k3s/server/node-token /var/lib/rancher/k3s/server/agent-token; "
        + "grep 'server:' /etc/rancher/k3s/k3s.yaml"
    ).stdout.split(separator: "\n").map(String.init)
    #expect(files.count == 7, "\(files)")
    if files.count == 7 {
      #expect(files[0] == "K10\(files[1])::server:\(Self.token)")
      #expect(files[2] == "600" && files[3] == "600")
      #expect(files[4] == "/var/lib/rancher/k3s/server/token")
      #expect(files[6].trimmingCharacters(in: .whitespaces) == "server: https://127.0.0.1:6443")
    }
    // The node, as the API reports it.
    let node = try StandIn.node(lab, "lab-cp1", "lab-cp1")
    #expect(node.labels["node-role.kubernetes.io/control-plane"] == "true")
    #expect(node.labels["node-role.kubernetes.io/master"] == "true")
    #expect(
      node.labels["node-role.kubernetes.io/etcd"] == nil, "no cluster-init: SQLite, no etcd role")
    #expect(node.labels["homelab.io/role"] == "server")
    #expect(node.condition("Ready") == "True")
    #expect(node.string("status", "nodeInfo", "kubeletVersion") == StandIn.oldVersion)
    let addresses = node.at("status", "addresses") as? [[String: String]] ?? []
    #expect(addresses.contains { $0["type"] == "InternalIP" && $0["address"] == ip })
    // Reservations from kubelet-arg: allocatable = capacity - kube-reserved - system-reserved.
    let cpus = Int(node.string("status", "capacity", "cpu") ?? "") ?? 0
    #expect(cpus > 0)
    let allocCPU = node.string("status", "allocatable", "cpu") ?? ""
    #expect(allocCPU == "\(cpus * 1000 - 750)m")
    let capMem = Int((node.string("status", "capacity", "memory") ?? "").dropLast(2)) ?? 0
    let allocMem = Int((node.string("status", "allocatable", "memory") ?? "").dropLast(2)) ?? 0
    #expect(capMem - allocMem == 1_048_576 + 524_288, "1Gi + 512Mi in Ki")
    // A restart keeps the certificates, so k3s.yaml stays the same (the kubeconfig role relies on it).
    let before = try StandIn.sh(lab, "lab-cp1", "cat /etc/rancher/k3s/k3s.yaml").stdout
    #expect(try StandIn.sh(lab, "lab-cp1", "systemctl restart k3s").status == 0)
    #expect(try StandIn.sh(lab, "lab-cp1", "cat /etc/rancher/k3s/k3s.yaml").stdout == before)
    // The datastore is a real SQLite file.
    let db = try StandIn.sh(
      lab, "lab-cp1",
      "sqlite3 /var/lib/rancher/k3s/server/db/state.db \"select count(*) from objects where res='/nodes'\""
    )
    #expect(db.stdout == "1\n", "\(db.stderr)")
    // System pods.
    let pods = try StandIn.kubectl(lab, "lab-cp1", "get pods -A").stdout
    for name in ["coredns-", "local-path-provisioner-", "metrics-server-", "traefik-"] {
      #expect(pods.contains("kube-system   \(name)"), "\(pods)")
    }
    #expect(pods.contains("Running"))
  }

  @Test func apiNeedsAuthenticationAndServesTheConfiguredSANs() throws {
    let lab = try LabInstance.required()
    let ip = lab.host("lab-cp1").address
    try ensureServer(lab)
    let anon = try ProcessRunner.run([
      "curl", "-sk", "-o", "/dev/null", "-w", "%{http_code}", "https://\(ip):6443/readyz",
    ])
    #expect(anon.stdout == "401")
    let authed = try StandIn.kubectl(lab, "lab-cp1", "get --raw /readyz")
    #expect(authed.stdout == "ok", "\(authed.stderr)")
    let version = try StandIn.kubectl(lab, "lab-cp1", "get --raw /version").stdout
    #expect(version.contains("\"gitVersion\": \"\(StandIn.oldVersion)\""))
    // The serving certificate carries node-ip, advertise-address and every tls-san.
    let sans = try ProcessRunner.run([
      "sh", "-c",
      "openssl s_client -connect \(ip):6443 </dev/null 2>/dev/null | openssl x509 -noout -ext subjectAltName",
    ]).stdout
    for san in [
      "IP Address:\(ip)", "DNS:lab-cp1.lab-tailnet.ts.net", "IP Address:127.0.0.1", "DNS:localhost",
      "DNS:kubernetes.default",
    ] {
      #expect(sans.contains(san), "\(sans)")
    }
    // With the admin client certificate from k3s.yaml the workstation gets in too.
    let kubeconfig = try StandIn.sh(lab, "lab-cp1", "cat /etc/rancher/k3s/k3s.yaml").stdout
      .replacingOccurrences(of: "https://127.0.0.1:6443", with: "https://\(ip):6443")
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("t-k3s-\(UUID()).yaml")
      .path
    try kubeconfig.write(toFile: path, atomically: true, encoding: .utf8)
    defer { try? FileManager.default.removeItem(atPath: path) }
    let python = """
      import base64, ssl, sys, tempfile, yaml, urllib.request
      cfg = yaml.safe_load(open(sys.argv[1]))
      d = tempfile.mkdtemp()
      for key, name in (("client-certificate-data", "c"), ("client-key-data", "k")):
          open(d + "/" + name, "wb").write(base64.b64decode(cfg["users"][0]["user"][key]))
      ctx = ssl.create_default_context(cadata=base64.b64decode(cfg["clusters"][0]["cluster"]["certificate-authority-data"]).decode())
      ctx.load_cert_chain(d + "/c", d + "/k")
      print(urllib.request.urlopen(cfg["clusters"][0]["cluster"]["server"] + "/readyz", context=ctx).read().decode())
      """
    let viaCert = try ProcessRunner.run(["/usr/bin/python3", "-c", python, path])
    #expect(viaCert.stdout == "ok\n", "\(viaCert.stderr)")
  }

  @Test func agentJoinsWithTheTokenAndFailsVisiblyOtherwise() throws {
    let lab = try LabInstance.required()
    try ensureServer(lab)
    try StandIn.install(lab, StandIn.oldVersion, on: "lab-w1")
    let fast = ["LAB_K3S_JOIN_TIMEOUT": "2"]
    // Wrong token: rejected by the server, the unit fails.
    try StandIn.configure(
      lab, "lab-w1", mode: "agent", config: agentConfig(lab, "lab-w1", token: "wrong"),
      labEnv: fast)
    #expect(try StandIn.start(lab, "lab-w1", "k3s-agent").status != 0)
    #expect(try StandIn.journal(lab, "lab-w1", "k3s-agent").contains("401 Unauthorized"))
    // A node-ip that is not this host's.
    try StandIn.configure(
      lab, "lab-w1", mode: "agent",
      config: agentConfig(lab, "lab-w1", nodeIP: lab.host("lab-w2").address), labEnv: fast)
    #expect(try StandIn.start(lab, "lab-w1", "k3s-agent").status != 0)
    #expect(
      try StandIn.journal(lab, "lab-w1", "k3s-agent").contains(
        "unable to find interface for node-ip \(lab.host("lab-w2").address)"))
    // A server address nobody answers on.
    try StandIn.configure(
      lab, "lab-w1", mode: "agent",
      config: agentConfig(lab, "lab-w1", server: lab.host("lab-w2").address), labEnv: fast)
    #expect(try StandIn.start(lab, "lab-w1", "k3s-agent").status != 0)
    #expect(try StandIn.journal(lab, "lab-w1", "k3s-agent").contains("failed to get CA certs"))
    #expect(
      try StandIn.kubectl(lab, "lab-cp1", "get node lab-w1").stderr
        == "Error from server (NotFound): nodes \"lab-w1\" not found\n")
    // Right settings: joins and turns Ready on the server. An unknown key in config.yaml is
    // skipped with K3s's warning (pkg/configfilearg/parser.go, stripInvalidFlags), not applied.
    try StandIn.configure(
      lab, "lab-w1", mode: "agent",
      config: agentConfig(lab, "lab-w1", labels: ["homelab.io/pool=a"]) + "\nnode-lable: [\"x=y\"]",
      labEnv: fast)
    let ok = try StandIn.start(lab, "lab-w1", "k3s-agent")
    let log = try StandIn.journal(lab, "lab-w1", "k3s-agent")
    #expect(ok.status == 0, "\(log)")
    #expect(log.contains("Unknown flag --node-lable found in config.yaml, skipping"), "\(log)")
    let node = try StandIn.node(lab, "lab-cp1", "lab-w1")
    #expect(node.condition("Ready") == "True")
    #expect(node.labels["homelab.io/pool"] == "a")
    #expect(node.labels["x"] == nil)
    #expect(node.labels["node-role.kubernetes.io/control-plane"] == nil)
    let events = try StandIn.kubectl(lab, "lab-cp1", "get events -A").stdout
    #expect(events.contains("Registered Node lab-w1 in Controller"))
  }

  @Test func labelsAndTaintsChangeThroughTheAPIOnlyAfterRegistration() throws {
    let lab = try LabInstance.required()
    try ensureServer(lab)
    try ensureAgent(lab, "lab-w1")
    let k = { (args: String) throws -> ProcessResult in try StandIn.kubectl(lab, "lab-cp1", args) }
    #expect(try k("label node lab-w1 tier=gpu").stdout == "node/lab-w1 labeled\n")
    let clash = try k("label node lab-w1 tier=cpu")
    #expect(clash.status != 0)
    #expect(clash.stderr == "error: 'tier' already has a value (gpu), and --overwrite is false\n")
    #expect(try k("label node lab-w1 tier=cpu --overwrite").stdout == "node/lab-w1 labeled\n")
    #expect(try StandIn.node(lab, "lab-cp1", "lab-w1").labels["tier"] == "cpu")
    #expect(try k("label node lab-w1 tier-").stdout == "node/lab-w1 unlabeled\n")
    #expect(try k("taint node lab-w1 dedicated=gpu:NoSchedule").stdout == "node/lab-w1 tainted\n")
    let taints =
      try StandIn.node(lab, "lab-cp1", "lab-w1").at("spec", "taints") as? [[String: String]]
    #expect(taints == [["key": "dedicated", "value": "gpu", "effect": "NoSchedule"]])
    #expect(try k("taint node lab-w1 dedicated:NoSchedule-").stdout == "node/lab-w1 untainted\n")
    #expect(
      try k("taint node lab-w1 dedicated:NoSchedule-").stderr
        == "error: taint \"dedicated:NoSchedule\" not found\n")
    #expect(
      try k("annotate node lab-w1 cluster-mgr.io/labels=tier --overwrite").stdout
        == "node/lab-w1 annotated\n")
    // Patches of every kind the API takes.
    #expect(
      try k("patch node lab-w1 --type merge -p '{\"metadata\":{\"labels\":{\"m\":\"1\"}}}'").stdout
        == "node/lab-w1 patched\n")
    #expect(
      try k("patch node lab-w1 -p '{\"metadata\":{\"labels\":{\"m\":null,\"s\":\"2\"}}}'").status
        == 0)
    #expect(
      try k(
        "patch node lab-w1 --type json -p '[{\"op\":\"add\",\"path\":\"/metadata/labels/j\",\"value\":\"3\"}]'"
      )
      .status == 0)
    // "(no change)" when the object is the same before and after (as kubectl compares them): on
    // a ConfigMap, which no heartbeat changes in between as it does a Node.
    #expect(try k("create configmap patch-probe --from-literal=k=v").status == 0)
    #expect(
      try k("patch configmap patch-probe --type merge -p '{\"data\":{\"k\":\"v\"}}'").stdout
        == "configmap/patch-probe patched (no change)\n")
    let patched = try StandIn.node(lab, "lab-cp1", "lab-w1").labels
    #expect(patched["m"] == nil && patched["s"] == "2" && patched["j"] == "3")
    #expect(try k("patch node lab-w1 -p '{\"spec\":{\"unschedulable\":true}}'").status == 0)
    #expect(try k("get node lab-w1").stdout.contains("Ready,SchedulingDisabled"))
    #expect(try k("uncordon lab-w1").stdout == "node/lab-w1 uncordoned\n")
    let badLabel = try k("label node lab-w1 'bad=no spaces'")
    #expect(badLabel.status != 0 && badLabel.stderr.contains("Invalid value"))
    // node-label is applied at registration only, like real k3s: changing it and restarting does nothing.
    try StandIn.sh(
      lab, "lab-w1",
      "sed -i 's#homelab.io/pool=a#homelab.io/pool=b#' /etc/rancher/k3s/config.yaml "
        + "&& systemctl restart k3s-agent")
    #expect(try StandIn.node(lab, "lab-cp1", "lab-w1").labels["homelab.io/pool"] == "a")
    let events = try k("get events -A").stdout
    #expect(events.contains("NodeLabelsChanged"))
  }

  @Test func applyWaitDrainAndDeleteNode() throws {
    let lab = try LabInstance.required()
    try ensureServer(lab)
    try ensureAgent(lab, "lab-w1")
    try ensureAgent(lab, "lab-w2")
    let manifest = """
      apiVersion: v1
      kind: Namespace
      metadata: {name: demo}
      ---
      apiVersion: apps/v1
      kind: Deployment
      metadata: {name: web, namespace: demo}
      spec:
        replicas: 2
        selector: {matchLabels: {app: web}}
        template:
          metadata: {labels: {app: web}}
          spec:
            nodeSelector: {kubernetes.io/os: linux}
            containers: [{name: web, image: nginx:1.27}]
      ---
      apiVersion: v1
      kind: ConfigMap
      metadata: {name: settings, namespace: demo}
      data: {a: "1"}
      """
    let first = try StandIn.kubectl(lab, "lab-cp1", "apply -f -", input: manifest)
    #expect(
      first.stdout
        == "namespace/demo created\ndeployment.apps/web created\nconfigmap/settings created\n",
      "\(first.stderr)")
    let again = try StandIn.kubectl(lab, "lab-cp1", "apply -f -", input: manifest)
    #expect(
      again.stdout
        == "namespace/demo unchanged\ndeployment.apps/web unchanged\nconfigmap/settings unchanged\n"
    )
    let changed = try StandIn.kubectl(
      lab, "lab-cp1", "apply -f -",
      input: manifest.replacingOccurrences(of: "a: \"1\"", with: "a: \"2\""))
    #expect(changed.stdout.contains("configmap/settings configured"))
    let wait = try StandIn.kubectl(
      lab, "lab-cp1", "-n demo wait --for=condition=Available deployment/web --timeout=30s")
    #expect(wait.stdout == "deployment.apps/web condition met\n", "\(wait.stderr)")
    // Cordon lab-cp1 so the pods land on the agents, then drain lab-w2: its pod moves to lab-w1.
    try StandIn.kubectl(lab, "lab-cp1", "cordon lab-cp1")
    try StandIn.kubectl(lab, "lab-cp1", "-n demo rollout restart deployment/web")
    let onWorkers = try StandIn.eventually(20) {
      let pods = try StandIn.json(lab, "lab-cp1", "pods -n demo")["items"] as? [[String: Any]] ?? []
      return pods.count == 2
        && pods.allSatisfy { ($0.string("spec", "nodeName") ?? "").hasPrefix("lab-w") }
        && pods.allSatisfy { $0.condition("Ready") == "True" }
    }
    #expect(onWorkers)
    let drain = try StandIn.kubectl(
      lab, "lab-cp1", "drain lab-w2 --ignore-daemonsets --delete-emptydir-data --timeout=60s")
    #expect(drain.status == 0, "\(drain.stderr)")
    #expect(drain.stdout.hasPrefix("node/lab-w2 cordoned\n"))
    #expect(drain.stdout.hasSuffix("node/lab-w2 drained\n"))
    #expect(
      drain.stderr.contains("Warning: ignoring DaemonSet-managed Pods: kube-system/svclb-traefik-"))
    let moved = try StandIn.eventually(20) {
      let pods = try StandIn.json(lab, "lab-cp1", "pods -n demo")["items"] as? [[String: Any]] ?? []
      return pods.count == 2 && pods.allSatisfy { $0.string("spec", "nodeName") == "lab-w1" }
    }
    #expect(moved)
    let status = try StandIn.kubectl(lab, "lab-cp1", "get nodes").stdout
    #expect(status.contains("lab-w2    Ready,SchedulingDisabled"), "\(status)")
    // Without --ignore-daemonsets a drain refuses, like kubectl.
    let refused = try StandIn.kubectl(lab, "lab-cp1", "drain lab-w1 --delete-emptydir-data")
    #expect(refused.status != 0 && refused.stderr.contains("cannot delete DaemonSet-managed Pods"))
    try StandIn.kubectl(lab, "lab-cp1", "uncordon lab-w1 lab-cp1")
    // Deleting the node removes it, its pods and its node-password secret.
    #expect(
      try StandIn.kubectl(lab, "lab-cp1", "delete node lab-w2").stdout
        == "node \"lab-w2\" deleted\n")
    #expect(try StandIn.kubectl(lab, "lab-cp1", "get node lab-w2").status != 0)
    #expect(
      try StandIn.kubectl(lab, "lab-cp1", "-n kube-system get secret lab-w2.node-password.k3s")
        .status != 0)
    #expect(
      try StandIn.kubectl(lab, "lab-cp1", "get events -A").stdout.contains(
        "Removing Node lab-w2 from Controller"))
    // Its agent re-registers only when restarted (like a kubelet).
    try StandIn.sh(lab, "lab-w2", "systemctl restart k3s-agent")
    #expect(try StandIn.node(lab, "lab-cp1", "lab-w2").condition("Ready") == "True")
    let deleted = try StandIn.kubectl(lab, "lab-cp1", "delete -f -", input: manifest)
    #expect(deleted.stdout.contains("namespace \"demo\" deleted"))
    #expect(
      try StandIn.kubectl(lab, "lab-cp1", "wait --for=delete namespace/demo --timeout=10s").status
        == 0)
    #expect(
      try StandIn.kubectl(lab, "lab-cp1", "get pods -n demo").stderr
        == "No resources found in demo namespace.\n")
  }

  @Test func aStoppedAgentTurnsNotReadyAndBack() throws {
    let lab = try LabInstance.required()
    try ensureServer(lab)
    try ensureAgent(lab, "lab-w1")
    try StandIn.sh(lab, "lab-w1", "systemctl stop k3s-agent")
    let unknown = try StandIn.eventually(20) {
      try StandIn.node(lab, "lab-cp1", "lab-w1").condition("Ready") == "Unknown"
    }
    #expect(unknown, "grace period 6 s (LAB_K3S_NODE_MONITOR_GRACE_PERIOD)")
    #expect(try StandIn.kubectl(lab, "lab-cp1", "get node lab-w1").stdout.contains("NotReady"))
    try StandIn.sh(lab, "lab-w1", "systemctl start k3s-agent")
    #expect(
      try StandIn.eventually(10) {
        try StandIn.node(lab, "lab-cp1", "lab-w1").condition("Ready") == "True"
      })
  }

  @Test func aReplacedBinaryReportsItsRunningVersionUntilRestarted() throws {
    let lab = try LabInstance.required()
    try ensureServer(lab)
    try ensureAgent(lab, "lab-w1")
    try StandIn.install(lab, StandIn.newVersion, on: "lab-w1")
    #expect(
      try StandIn.sh(lab, "lab-w1", "k3s --version").stdout.hasPrefix(
        "k3s version \(StandIn.newVersion) "))
    Thread.sleep(forTimeInterval: 2)
    #expect(
      try StandIn.node(lab, "lab-cp1", "lab-w1").string("status", "nodeInfo", "kubeletVersion")
        == StandIn.oldVersion)
    try StandIn.sh(lab, "lab-w1", "systemctl restart k3s-agent")
    #expect(
      try StandIn.node(lab, "lab-cp1", "lab-w1").string("status", "nodeInfo", "kubeletVersion")
        == StandIn.newVersion)
    let jsonpath = try StandIn.kubectl(
      lab, "lab-cp1",
      "get nodes -o jsonpath='{range .items[*]}{.metadata.name}={.status.nodeInfo.kubeletVersion} {end}'"
    )
    #expect(jsonpath.stdout.contains("lab-w1=\(StandIn.newVersion)"))
    #expect(jsonpath.stdout.contains("lab-cp1=\(StandIn.oldVersion)"))
  }

  @Test func fluxObjectsBecomeReadyOnlyWhenTheyWouldOnRealHosts() throws {
    let lab = try LabInstance.required()
    try ensureServer(lab)
    let crds = [
      "gitrepositories.source.toolkit.fluxcd.io", "kustomizations.kustomize.toolkit.fluxcd.io",
    ]
    let install = """
      apiVersion: v1
      kind: Namespace
      metadata: {name: flux-system}
      ---
      apiVersion: apiextensions.k8s.io/v1
      kind: CustomResourceDefinition
      metadata: {name: gitrepositories.source.toolkit.fluxcd.io}
      spec:
        group: source.toolkit.fluxcd.io
        names: {kind: GitRepository, listKind: GitRepositoryList, plural: gitrepositories, singular: gitrepository, shortNames: [gitrepo]}
        scope: Namespaced
        versions:
        - name: v1
          served: true
          storage: true
          subresources: {status: {}}
          additionalPrinterColumns:
          - {jsonPath: .spec.url, name: URL, type: string}
          - {jsonPath: '.status.conditions[?(@.type=="Ready")].status', name: Ready, type: string}
          schema:
            openAPIV3Schema:
              type: object
              properties:
                spec:
                  type: object
                  required: [interval, url]
                  properties:
                    interval: {type: string, pattern: '^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$'}
                    url: {type: string, pattern: '^(http|https|ssh)://.*$'}
                    secretRef: {type: object, properties: {name: {type: string}}, required: [name]}
                    ref: {type: object, properties: {branch: {type: string}}}
                status: {type: object, x-kubernetes-preserve-unknown-fields: true}
      ---
      apiVersion: apiextensions.k8s.io/v1
      kind: CustomResourceDefinition
      metadata: {name: kustomizations.kustomize.toolkit.fluxcd.io}
      spec:
        group: kustomize.toolkit.fluxcd.io
        names: {kind: Kustomization, listKind: KustomizationList, plural: kustomizations, singular: kustomization, shortNames: [ks]}
        scope: Namespaced
        versions:
        - name: v1
          served: true
          storage: true
          subresources: {status: {}}
          schema:
            openAPIV3Schema:
              type: object
              properties:
                spec:
                  type: object
                  required: [interval, prune, sourceRef]
                  properties:
                    interval: {type: string}
                    path: {type: string}
                    prune: {type: boolean}
                    sourceRef: {type: object, required: [kind, name], properties: {kind: {type: string, enum: [OCIRepository, GitRepository, Bucket]}, name: {type: string}}}
      """
    let controllers = ["source-controller", "kustomize-controller"].map { name in
      """
      apiVersion: apps/v1
      kind: Deployment
      metadata: {name: \(name), namespace: flux-system, labels: {app: \(name)}}
      spec:
        replicas: 1
        selector: {matchLabels: {app: \(name)}}
        template:
          metadata: {labels: {app: \(name)}}
          spec:
            containers: [{name: manager, image: ghcr.io/fluxcd/\(name):v1.6.0}]
      """
    }.joined(separator: "\n---\n")
    let sync = """
      apiVersion: source.toolkit.fluxcd.io/v1
      kind: GitRepository
      metadata: {name: flux-system, namespace: flux-system}
      spec:
        interval: 1m0s
        ref: {branch: main}
        secretRef: {name: flux-system}
        url: ssh://git@github.com/example/homelab
      ---
      apiVersion: kustomize.toolkit.fluxcd.io/v1
      kind: Kustomization
      metadata: {name: flux-system, namespace: flux-system}
      spec:
        interval: 10m0s
        path: ./clusters/lab
        prune: true
        sourceRef: {kind: GitRepository, name: flux-system}
      """
    // Before the CRDs exist, the Flux kinds are unknown to the API.
    let early = try StandIn.kubectl(lab, "lab-cp1", "apply -f -", input: sync)
    #expect(early.status != 0 && early.stderr.contains("ensure CRDs are installed first"))
    let applied = try StandIn.kubectl(
      lab, "lab-cp1", "apply --server-side --force-conflicts -f -",
      input: install + "\n---\n" + controllers)
    #expect(applied.status == 0, "\(applied.stderr)")
    #expect(
      applied.stdout.contains(
        "customresourcedefinition.apiextensions.k8s.io/gitrepositories.source.toolkit.fluxcd.io serverside-applied"
      ))
    let established = try StandIn.kubectl(
      lab, "lab-cp1",
      "wait --for=condition=Established --timeout=30s "
        + crds.map { "crd/\($0)" }.joined(separator: " "))
    #expect(established.status == 0, "\(established.stderr)")
    let available = try StandIn.kubectl(
      lab, "lab-cp1", "-n flux-system wait --for=condition=Available deployment --all --timeout=30s"
    )
    #expect(available.status == 0, "\(available.stderr)")
    // scp-style URLs are rejected by the CRD's schema, as by the real API server.
    let scp = try StandIn.kubectl(
      lab, "lab-cp1", "apply -f -",
      input: sync.replacingOccurrences(
        of: "ssh://git@github.com/example/homelab", with: "git@github.com:example/homelab"))
    #expect(
      scp.status != 0
        && scp.stderr.contains("spec.url in body should match '^(http|https|ssh)://.*$'"),
      "\(scp.stderr)")
    // Without the deploy-key Secret the source never becomes Ready.
    #expect(try StandIn.kubectl(lab, "lab-cp1", "apply -f -", input: sync).status == 0)
    let notReady = try StandIn.kubectl(
      lab, "lab-cp1",
      "-n flux-system wait gitrepository/flux-system --for=condition=Ready --timeout=5s")
    #expect(notReady.status != 0)
    let message = try StandIn.kubectl(
      lab, "lab-cp1",
      "-n flux-system get gitrepository flux-system -o jsonpath='{.status.conditions[?(@.type==\"Ready\")].message}'"
    )
    #expect(message.stdout.contains("secrets \"flux-system\" not found"), "\(message.stdout)")
    let secret = try StandIn.kubectl(
      lab, "lab-cp1",
      "-n flux-system create secret generic flux-system --from-literal=identity=KEY "
        + "--from-literal=known_hosts='github.com ssh-ed25519 AAAA' --dry-run=client -o yaml")
    #expect(try StandIn.kubectl(lab, "lab-cp1", "apply -f -", input: secret.stdout).status == 0)
    for kind in ["gitrepository", "kustomization"] {
      let ready = try StandIn.kubectl(
        lab, "lab-cp1",
        "-n flux-system wait \(kind)/flux-system --for=condition=Ready --timeout=30s")
      #expect(
        ready.stdout
          == "\(kind).\(kind == "gitrepository" ? "source" : "kustomize").toolkit.fluxcd.io/flux-system condition met\n",
        "\(ready.stderr)")
    }
    let table = try StandIn.kubectl(lab, "lab-cp1", "-n flux-system get gitrepositories").stdout
    #expect(
      table.contains("ssh://git@github.com/example/homelab") && table.contains("True"), "\(table)")
  }
}
