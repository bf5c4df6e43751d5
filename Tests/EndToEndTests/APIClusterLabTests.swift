import ClusterMgrTesting
import Foundation
import Testing

/// Issue #15's done-when on one lab (a server, an agent, a GPU agent), provisioned once.
///
/// The cluster side goes through the Kubernetes API from the workstation (no kubectl on any
/// host), manifest drift is found, shown and reverted, `status` answers within a second, the SSH
/// tunnel carries the API when 6443 is firewalled, a new event reaches the monitor within two
/// seconds, and a drain respects a PodDisruptionBudget. The tests run in this order, each from
/// the state the previous one left.
@Suite(.serialized, .lab("api-cluster", hosts: ["lab-cp1", "lab-w1", "lab-gpu1"]))
struct APIClusterLabTests {
  static let versionVars = "    k3s_version: v1.31.4+k3s1\n"
  static let demoVars =
    "    gpu_time_slicing_enabled: true\n    gpu_time_slicing_replicas: 4\n"
    + "    git_repo_url: ssh://git@github.com/example/homelab.git\n"
    + "    git_path: ./gitops/clusters/homelab\n"
    + "    git_known_hosts: github.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl\n"

  /// The suite's run context: the lab's inventory with GPU time-slicing and Flux over SSH.
  static func runner() throws -> ClusterMgrRun {
    let lab = try LabInstance.required()
    return try ClusterMgrRun(lab: lab) { text in
      text.split(separator: "\n", omittingEmptySubsequences: false)
        .filter { !$0.hasPrefix("    k3s_version:") }.joined(separator: "\n")
        .replacingOccurrences(of: "\n  vars:\n", with: "\n  vars:\n" + versionVars + demoVars)
    }
  }

  @Test func aNoOpProvisionStartsNoKubectlAndOnlyReads() throws {
    let run = try Self.runner()
    let (cold, coldEvents) = try run.provision()
    try #require(cold.status == 0, "\(cold.stdout)\n\(cold.stderr)")
    #expect(coldEvents.taskEvents.contains { $0["host"] as? String == "cluster" })
    let before = try APILog(run.lab)
    let started = ContinuousClock.now
    let (noop, events) = try run.provision()
    let took = ContinuousClock.now - started
    #expect(noop.status == 0, "\(noop.stderr)")
    #expect(events.changedTasks.isEmpty, "\(events.changedTasks)")
    let after = try APILog(run.lab)
    #expect(
      after.kubectlRuns(since: before) == [:], "kubectl ran on hosts during a no-op provision")
    let requests = after.requests(since: before)
    #expect(!requests.isEmpty && requests.count <= 40, "\(requests.count) API requests")
    #expect(requests.allSatisfy { $0.method == "GET" }, "a no-op only reads: \(requests)")
    #expect(requests.allSatisfy { $0.userAgent.hasPrefix("cluster-mgr/") })
    print("api-cluster: no-op provision (debug build) took \(took), \(requests.count) API requests")

    // The deploy key is in the Secret's data, and in no annotation of any object.
    let key = try #require(
      FileManager.default.contents(atPath: run.stateDirectory + "/flux/api-cluster/identity")
        .map { String(decoding: $0, as: UTF8.self) })
    let everything = try run.lab.exec(
      "lab-cp1",
      "k3s kubectl get secrets,configmaps,deployments,daemonsets,namespaces,customresourcedefinitions,gitrepositories,kustomizations -A -o json"
    )
    try #require(everything.status == 0, "\(everything.stderr)")
    let keyBody = key.split(separator: "\n").dropFirst().first.map(String.init) ?? key
    let encoded = Data(key.utf8).base64EncodedString()
    let objects = try #require(
      try JSONSerialization.jsonObject(with: Data(everything.stdout.utf8)) as? [String: Any])
    let annotations = (objects["items"] as? [[String: Any]] ?? []).compactMap {
      ($0["metadata"] as? [String: Any])?["annotations"] as? [String: String]
    }.flatMap(\.values).joined(separator: "\n")
    #expect(!annotations.contains(keyBody) && !annotations.contains(encoded))
    #expect(
      !annotations.contains("last-applied-configuration") || !annotations.contains("identity"))
  }

  @Test func editedManifestsAreFoundDiffedAndRestored() throws {
    let run = try Self.runner()
    let lab = run.lab
    let config = try lab.exec(
      "lab-cp1",
      "k3s kubectl -n kube-system get configmap nvidia-device-plugin-config -o jsonpath='{.data.config\\.yaml}'"
    ).stdout
    try #require(config.contains("replicas: 4"), "\(config)")
    let patch = try JSONSerialization.data(withJSONObject: [
      "data": ["config.yaml": config.replacingOccurrences(of: "replicas: 4", with: "replicas: 2")]
    ])
    let edits = [
      "k3s kubectl -n kube-system patch configmap nvidia-device-plugin-config --type merge -p '\(String(decoding: patch, as: UTF8.self))'",
      "k3s kubectl -n kube-system patch daemonset nvidia-device-plugin-daemonset --type json -p "
        + "'[{\"op\":\"replace\",\"path\":\"/spec/template/spec/containers/0/env/1/value\",\"value\":\"true\"}]'",
    ]
    for edit in edits {
      let edited = try lab.exec("lab-cp1", edit)
      try #require(edited.status == 0, "\(edit): \(edited.stderr)")
    }

    let drift = try run.run(["drift", "--artifacts", try ClusterMgrRun.artifacts()])
    #expect(drift.status == 1, "\(drift.stdout)\(drift.stderr)")
    #expect(
      drift.stdout.contains(
        "ConfigMap kube-system/nvidia-device-plugin-config data.config.yaml: replicas: 2 in the cluster, replicas: 4 in the manifest"
      ), "\(drift.stdout)")
    #expect(
      drift.stdout.contains(
        "DaemonSet kube-system/nvidia-device-plugin-daemonset spec.template.spec.containers[name=nvidia-device-plugin-ctr].env[name="
      ), "\(drift.stdout)")

    let check = try run.run([
      "provision", "--check", "--diff", "--artifacts", try ClusterMgrRun.artifacts(),
    ])
    #expect(check.status == 0, "\(check.stderr)")
    #expect(
      check.stdout.contains("+++ ConfigMap kube-system/nvidia-device-plugin-config (desired)"))
    #expect(
      check.stdout.contains("-        replicas: 2") && check.stdout.contains("+        replicas: 4")
    )
    #expect(
      check.stdout.contains("+++ DaemonSet kube-system/nvidia-device-plugin-daemonset (desired)"))
    #expect(!check.stdout.contains("identity:"), "no Secret's data in a diff")

    let (restored, events) = try run.provision(["--diff"])
    #expect(restored.status == 0, "\(restored.stderr)")
    #expect(
      events.changedTasks.compactMap { $0["task"] as? String } == [
        "device plugin and time-slicing (4 per GPU)"
      ], "\(events.changedTasks)")
    let after = try lab.exec(
      "lab-cp1",
      "k3s kubectl -n kube-system get configmap nvidia-device-plugin-config -o jsonpath='{.data.config\\.yaml}'"
    ).stdout
    #expect(after.contains("replicas: 4"))
    let (again, againEvents) = try run.provision()
    #expect(again.status == 0 && againEvents.changedTasks.isEmpty, "\(againEvents.changedTasks)")
    #expect(try run.run(["drift", "--artifacts", try ClusterMgrRun.artifacts()]).status == 0)

    // No history row holds a Secret's data.
    let history = try run.run(["history", "show", "last", "--diff", "--output", "json"]).stdout
    let all = try run.run(["history", "list", "--output", "json"]).stdout
    let key = try String(
      contentsOfFile: run.stateDirectory + "/flux/api-cluster/identity", encoding: .utf8)
    for text in [history, all, check.stdout, restored.stdout] {
      #expect(!text.contains(Data(key.utf8).base64EncodedString()))
    }
  }

  /// `sops_age_key_file`: the key becomes the Secret `sops-age` (`age.agekey`) and the
  /// Kustomization decrypts with it; the key is in no output, diff or history row; a second
  /// provision is a no-op; drift sees an edited Secret; without the variable the `decryption`
  /// block goes (and the suite's inventory is as before for the tests that follow).
  @Test func aSOPSAgeKeyIsAppliedAsASecretAndNeverShown() throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
      "cm-sops-\(UUID().uuidString.prefix(8))")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let alphabet = Array("QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L")
    let key = "AGE-SECRET-KEY-1" + String((0..<58).map { _ in alphabet.randomElement()! })
    let file = "# created: 2026-01-01T00:00:00Z\n# public key: age1labtest\n\(key)\n"
    let keyPath = directory.appendingPathComponent("keys.txt").path
    try #require(
      FileManager.default.createFile(
        atPath: keyPath, contents: Data(file.utf8), attributes: [.posixPermissions: 0o600]))
    let plain = try Self.runner()
    let (base, _) = try plain.provision()  // a no-op after the tests above
    try #require(base.status == 0, "\(base.stdout)\n\(base.stderr)")
    let run = try ClusterMgrRun(lab: plain.lab) { _ in
      (try? String(contentsOfFile: plain.inventoryPath, encoding: .utf8))?
        .replacingOccurrences(
          of: "\n  vars:\n", with: "\n  vars:\n    sops_age_key_file: \(keyPath)\n") ?? ""
    }
    let encoded = Data(file.utf8).base64EncodedString()
    var outputs: [String] = []

    let check = try run.run([
      "provision", "--check", "--diff", "--artifacts", try ClusterMgrRun.artifacts(),
    ])
    outputs += [check.stdout, check.stderr]
    #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
    #expect(check.stdout.contains("create Secret flux-system/sops-age"), "\(check.stdout)")
    #expect(check.stdout.contains("spec.decryption"), "\(check.stdout)")

    let (applied, events) = try run.provision(["--diff"])
    outputs += [applied.stdout, applied.stderr]
    try #require(applied.status == 0, "\(applied.stdout)\n\(applied.stderr)")
    #expect(
      events.changedTasks.compactMap { $0["task"] as? String } == [
        "SOPS age key Secret sops-age", "GitRepository and Kustomization flux-system",
      ], "\(events.changedTasks)")
    let secret = try run.kubectlJSON(["-n", "flux-system", "get", "secret", "sops-age"])
    let data = try #require(secret["data"] as? [String: String])
    #expect(Array(data.keys) == ["age.agekey"])
    #expect(data["age.agekey"] == encoded)
    let metadata = secret["metadata"] as? [String: Any] ?? [:]
    #expect(
      (metadata["labels"] as? [String: String])?["cluster-mgr.io/manifest"] == "flux-sops-age")
    #expect((metadata["annotations"] as? [String: String] ?? [:]).isEmpty, "\(metadata)")
    let kustomization = try run.kubectlJSON([
      "-n", "flux-system", "get", "kustomizations.kustomize.toolkit.fluxcd.io", "flux-system",
    ])
    let decryption = (kustomization["spec"] as? [String: Any])?["decryption"] as? [String: Any]
    #expect(decryption?["provider"] as? String == "sops", "\(kustomization)")
    #expect((decryption?["secretRef"] as? [String: Any])?["name"] as? String == "sops-age")

    let (again, againEvents) = try run.provision()
    outputs += [again.stdout, again.stderr]
    #expect(again.status == 0 && againEvents.changedTasks.isEmpty, "\(againEvents.changedTasks)")
    let clean = try run.run(["drift", "--artifacts", try ClusterMgrRun.artifacts()])
    outputs += [clean.stdout, clean.stderr]
    #expect(clean.status == 0, "\(clean.stdout)\(clean.stderr)")

    let other = Data("AGE-SECRET-KEY-1OTHER\n".utf8).base64EncodedString()
    let edit = try run.lab.exec(
      "lab-cp1",
      "k3s kubectl -n flux-system patch secret sops-age --type merge -p '{\"data\":{\"age.agekey\":\"\(other)\"}}'"
    )
    try #require(edit.status == 0, "\(edit.stderr)")
    let drift = try run.run(["drift", "--artifacts", try ClusterMgrRun.artifacts()])
    outputs += [drift.stdout, drift.stderr]
    #expect(drift.status == 1, "\(drift.stdout)\(drift.stderr)")
    #expect(
      drift.stdout.contains(
        "Secret flux-system/sops-age data.age.agekey differs (secret, not shown)"),
      "\(drift.stdout)")
    #expect(!drift.stdout.contains(other))

    // Without the variable: the decryption block goes; the Secret stays as it is.
    let (dropped, droppedEvents) = try plain.provision(["--diff"])
    outputs += [dropped.stdout, dropped.stderr]
    try #require(dropped.status == 0, "\(dropped.stdout)\n\(dropped.stderr)")
    #expect(
      droppedEvents.changedTasks.compactMap { $0["task"] as? String } == [
        "GitRepository and Kustomization flux-system"
      ], "\(droppedEvents.changedTasks)")
    let after = try run.kubectlJSON([
      "-n", "flux-system", "get", "kustomizations.kustomize.toolkit.fluxcd.io", "flux-system",
    ])
    #expect((after["spec"] as? [String: Any])?["decryption"] == nil, "\(after)")
    #expect((after["spec"] as? [String: Any])?["path"] as? String == "./gitops/clusters/homelab")

    outputs += [
      try run.run(["history", "show", "last", "--diff", "--output", "json"]).stdout,
      try run.run(["history", "list", "--output", "json"]).stdout,
      try run.run(["history", "show", "last", "--diff"]).stdout,
    ]
    for text in outputs {
      #expect(!text.contains(key) && !text.contains(encoded), "the age key was shown: \(text)")
      #expect(!text.contains("AGE-SECRET-KEY-1"), "\(text)")
    }
  }

  @Test func statusAnswersWithinASecond() throws {
    let run = try Self.runner()
    var best = Duration.seconds(60)
    for _ in 0..<3 {
      let started = ContinuousClock.now
      let status = try run.run(["status"])
      let took = ContinuousClock.now - started
      #expect(status.status == 0, "\(status.stdout)\(status.stderr)")
      #expect(
        status.stdout.hasPrefix("API: lab-cp1 at https://\(run.lab.host("lab-cp1").address):6443"))
      best = min(best, took)
    }
    print("api-cluster: status took \(best) at best of 3")
    #expect(best <= .seconds(1), "status took \(best)")
  }

  @Test func theMonitorShowsANewEventWithinTwoSeconds() throws {
    let run = try Self.runner()
    let tmux = try TmuxSession(name: "cm-api-tui-\(ProcessInfo.processInfo.processIdentifier)")
    defer { tmux.end() }
    let environment = run.environment.map { "\($0.key)=\($0.value)" }.sorted().joined(
      separator: " ")
    try tmux.shell("env \(environment) \(Repository.clusterMgrBinary) tui --refresh 30")
    var screen = ""
    #expect(
      try StatusLabCluster.waitUntil(seconds: 60) {
        screen = try tmux.capture()
        return screen.contains("lab-gpu1") && screen.contains(" Ready ")
      }, "\(screen)")
    try tmux.keys("3")
    let marker = "api-check-\(UInt32.random(in: 0...UInt32.max))"
    let event = """
      {"apiVersion":"v1","kind":"Event","metadata":{"name":"\(marker)","namespace":"default"},
       "involvedObject":{"kind":"Node","name":"lab-w1"},"reason":"Checking","type":"Warning",
       "message":"\(marker) arrived","firstTimestamp":"\(Self.now())","lastTimestamp":"\(Self.now())"}
      """
    let created = try run.lab.exec(
      "lab-cp1", "printf '%s' '\(event)' | k3s kubectl create -f -")
    try #require(created.status == 0, "\(created.stderr)")
    let createdAt = Date()
    let shown = try StatusLabCluster.waitUntil(seconds: 10) {
      screen = try tmux.capture()
      return screen.contains("\(marker) arrived")
    }
    let took = Date().timeIntervalSince(createdAt)
    #expect(shown, "the event never appeared:\n\(screen)")
    #expect(took <= 2.0, "the event appeared after \(took) s (refresh every 30 s)")
    try tmux.keys("q")
  }

  @Test func aFirewalledAPIIsReachedThroughTheSSHTunnelAndSaidOnce() throws {
    let run = try Self.runner()
    let lab = run.lab
    let rule = "INPUT -s \(lab.gateway) -p tcp --dport 6443 -j REJECT --reject-with tcp-reset"
    try #require(try lab.exec("lab-cp1", "iptables -I \(rule)").status == 0)
    defer { _ = try? lab.exec("lab-cp1", "iptables -D \(rule)") }
    let direct = try ProcessRunner.run([
      "curl", "-sk", "--max-time", "3", "https://\(lab.host("lab-cp1").address):6443/ping",
    ])
    #expect(direct.status != 0, "6443 must be blocked from the workstation")

    let notice = "using an SSH tunnel through lab-cp1 to its 127.0.0.1:6443"
    let (provision, events) = try run.provision()
    #expect(provision.status == 0, "\(provision.stderr)")
    #expect(events.changedTasks.isEmpty)
    let warnings = events.filter { ($0["message"] as? String)?.contains(notice) == true }
    #expect(warnings.count == 1, "\(events.filter { $0["event"] as? String == "warning" })")

    let status = try run.run(["status"])
    #expect(status.status == 0, "\(status.stderr)")
    #expect(status.stdout.contains("through an SSH tunnel via lab-cp1"))
    #expect(status.stderr.components(separatedBy: notice).count == 2, "said once: \(status.stderr)")

    let tmux = try TmuxSession(name: "cm-api-tun-\(ProcessInfo.processInfo.processIdentifier)")
    defer { tmux.end() }
    let environment = run.environment.map { "\($0.key)=\($0.value)" }.sorted().joined(
      separator: " ")
    try tmux.shell("env \(environment) \(Repository.clusterMgrBinary) tui --refresh 2")
    var screen = ""
    #expect(
      try StatusLabCluster.waitUntil(seconds: 60) {
        screen = try tmux.capture()
        return screen.contains("SSH tunnel") && screen.contains("lab-gpu1")
          && screen.contains(" Ready ")
      }, "\(screen)")
    try tmux.keys("q")
  }

  @Test func aDrainWaitsForTheBudgetAndStopsAtItsTimeLimit() throws {
    let run = try Self.runner()
    let lab = run.lab
    func kubectl(_ command: String, input: String? = nil) throws {
      let line =
        input.map { "printf '%s' '\($0)' | k3s kubectl \(command)" } ?? "k3s kubectl \(command)"
      let result = try lab.exec("lab-cp1", line)
      try #require(result.status == 0, "kubectl \(command): \(result.stderr)")
    }
    // One replica on lab-w1 and a budget that wants it up: no eviction can ever be allowed.
    try kubectl("label node lab-w1 pool=a --overwrite")
    try kubectl("apply -f -", input: Self.workload(name: "pinned", replicas: 1, minAvailable: 1))
    try #require(try Self.podsReady(lab, app: "pinned", count: 1))
    let blocked = try run.run([
      "remove-node", "lab-w1", "--force", "--keep-inventory", "--drain-timeout", "6",
      "--delete-emptydir-data",
    ])
    #expect(blocked.status != 0)
    let output = blocked.stdout + blocked.stderr
    #expect(output.contains("the drain of lab-w1 stopped after 6 s"), "\(output)")
    #expect(output.contains("pod default/pinned-"), "\(output)")
    #expect(
      output.contains("The disruption budget pinned needs 1 healthy pods and has 1 currently"))
    #expect(try Self.podsReady(lab, app: "pinned", count: 1), "the pod was not deleted")
    let log = try APILog(lab)
    #expect(log.all.contains { $0.path.hasSuffix("/eviction") && $0.code == 429 })
    #expect(!log.all.contains { $0.method == "DELETE" && $0.path.contains("/pods/") })

    // Two replicas that a budget keeps one of: the second waits until the first's replacement
    // runs on lab-gpu1 (new containers take 5 s to start here), then the drain goes on and the
    // node is removed.
    let knob = try lab.exec(
      "lab-cp1",
      "mkdir -p /etc/cluster-mgr-lab && echo LAB_K3S_POD_START_SECONDS=5 >> /etc/cluster-mgr-lab/k3s.env"
    )
    try #require(knob.status == 0)
    try kubectl("delete deployment pinned")
    try kubectl("delete pdb pinned")
    try kubectl("uncordon lab-w1")
    try kubectl("apply -f -", input: Self.workload(name: "pair", replicas: 2, minAvailable: 1))
    try #require(try Self.podsReady(lab, app: "pair", count: 2))
    try kubectl("label node lab-gpu1 pool=a --overwrite")
    let removed = try run.run([
      "remove-node", "lab-w1", "--force", "--keep-inventory", "--drain-timeout", "120",
      "--delete-emptydir-data",
    ])
    #expect(removed.status == 0, "\(removed.stdout)\(removed.stderr)")
    #expect(removed.stdout.contains("not evicted yet (will retry)"), "\(removed.stdout)")
    #expect(removed.stdout.contains("lab-w1 drained"))
    #expect(try Self.podsReady(lab, app: "pair", count: 2), "the budget kept the workload up")
  }

  /// A Deployment on `pool=a` nodes with a PodDisruptionBudget.
  static func workload(name: String, replicas: Int, minAvailable: Int) -> String {
    """
    {"apiVersion":"v1","kind":"List","items":[
     {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"\(name)","namespace":"default"},
      "spec":{"replicas":\(replicas),"selector":{"matchLabels":{"app":"\(name)"}},
       "template":{"metadata":{"labels":{"app":"\(name)"}},
        "spec":{"nodeSelector":{"pool":"a"},"containers":[{"name":"c","image":"busybox"}]}}}},
     {"apiVersion":"policy/v1","kind":"PodDisruptionBudget","metadata":{"name":"\(name)","namespace":"default"},
      "spec":{"minAvailable":\(minAvailable),"selector":{"matchLabels":{"app":"\(name)"}}}}]}
    """
  }

  /// Whether `count` pods of `app` are Running and Ready (waits up to a minute).
  static func podsReady(_ lab: LabInstance, app: String, count: Int) throws -> Bool {
    try StatusLabCluster.waitUntil(seconds: 60) {
      let out = try lab.exec(
        "lab-cp1",
        "k3s kubectl get pods -l app=\(app) -o jsonpath='{range .items[*]}{.status.conditions[?(@.type==\"Ready\")].status}{\"\\n\"}{end}'"
      ).stdout
      return out.split(separator: "\n").filter { $0 == "True" }.count == count
    }
  }

  static func now() -> String {
    let formatter = ISO8601DateFormatter()
    formatter.formatOptions = [.withInternetDateTime]
    return formatter.string(from: Date())
  }
}

/// The K3s stand-in's logs on the lab's hosts: the API requests the first server served and
/// the kubectl runs on every host.
struct APILog {
  struct Request {
    let method: String
    let path: String
    let userAgent: String
    let code: Int
  }

  let all: [Request]
  let kubectl: [String: Int]

  init(_ lab: LabInstance) throws {
    let text = try lab.exec(
      "lab-cp1", "cat /var/lib/rancher/k3s/server/lab-api-requests.log 2>/dev/null"
    ).stdout
    all = text.split(separator: "\n").compactMap { line in
      guard
        let entry = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
      else { return nil }
      return Request(
        method: entry["method"] as? String ?? "", path: entry["path"] as? String ?? "",
        userAgent: entry["userAgent"] as? String ?? "", code: entry["code"] as? Int ?? 0)
    }
    var runs: [String: Int] = [:]
    for host in lab.hosts {
      let count = try lab.exec(host.name, "cat /var/log/lab-kubectl.log 2>/dev/null | wc -l").stdout
      runs[host.name] = Int(count.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
    }
    kubectl = runs
  }

  /// The requests served after `earlier` was read.
  func requests(since earlier: APILog) -> [Request] { Array(all.dropFirst(earlier.all.count)) }

  /// Kubectl runs per host after `earlier` was read (hosts with none left out).
  func kubectlRuns(since earlier: APILog) -> [String: Int] {
    kubectl.compactMapValues { $0 }.filter { ($0.value - (earlier.kubectl[$0.key] ?? 0)) > 0 }
  }
}
