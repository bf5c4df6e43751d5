import ClusterMgrTesting
import Foundation
import Testing

/// The GPU host's stand-ins: nvidia-smi and lspci, NVIDIA's apt repository on the lab bridge, k3s's
/// containerd picking up the nvidia runtime after a restart, and the device plugin advertising
/// nvidia.com/gpu with the time-slicing replicas of its ConfigMap.
@Suite(.serialized, .lab("t-k3sgpu", hosts: ["lab-cp1", "lab-gpu1"]))
struct LabStandInGPUTests {
  static let token = "gpu-token-0123456789"

  func cluster(_ lab: LabInstance) throws {
    let cp = lab.host("lab-cp1").address
    if try StandIn.sh(lab, "lab-cp1", "systemctl is-active k3s").stdout != "active\n" {
      try StandIn.install(lab, StandIn.oldVersion, on: "lab-cp1")
      try StandIn.configure(
        lab, "lab-cp1", mode: "server",
        config: """
          node-ip: \(cp)
          advertise-address: \(cp)
          flannel-iface: tailscale0
          token: \(Self.token)
          """)
      #expect(try StandIn.start(lab, "lab-cp1", "k3s").status == 0)
    }
    if try StandIn.sh(lab, "lab-gpu1", "systemctl is-active k3s-agent").stdout != "active\n" {
      try StandIn.install(lab, StandIn.oldVersion, on: "lab-gpu1")
      try StandIn.configure(
        lab, "lab-gpu1", mode: "agent",
        config: """
          server: https://\(cp):6443
          token: \(Self.token)
          node-ip: \(lab.host("lab-gpu1").address)
          flannel-iface: tailscale0
          node-label: ["nvidia.com/gpu.present=true"]
          """)
      let started = try StandIn.start(lab, "lab-gpu1", "k3s-agent")
      let log = try StandIn.journal(lab, "lab-gpu1", "k3s-agent")
      #expect(started.status == 0, "\(log)")
    }
  }

  /// NVIDIA's documented install steps, pointed at the lab's repository.
  func installToolkit(_ lab: LabInstance) throws -> ProcessResult {
    let env = try StandIn.env(lab)
    let script = """
      set -e
      curl -fsSL '\(env["LAB_NVIDIA_KEY_URL"] ?? "")' | gpg --batch --yes --dearmor -o /usr/share/keyrings/nvidia-container-toolkit-keyring.gpg
      curl -fsSL '\(env["LAB_NVIDIA_LIST_URL"] ?? "")' | sed 's#deb http://#deb [signed-by=/usr/share/keyrings/nvidia-container-toolkit-keyring.gpg] http://#g' > /etc/apt/sources.list.d/nvidia-container-toolkit.list
      apt-get update -qq
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nvidia-container-toolkit >/dev/null
      dpkg-query -W -f='${Status} ${Version}\\n' nvidia-container-toolkit
      """
    return try StandIn.sh(lab, "lab-gpu1", script)
  }

  @Test func gpuHostHasTheDriverToolsAndOthersDoNot() throws {
    let lab = try LabInstance.required()
    let list = try StandIn.sh(lab, "lab-gpu1", "nvidia-smi -L")
    #expect(list.stdout.hasPrefix("GPU 0: NVIDIA GeForce RTX 4090 (UUID: GPU-"), "\(list.stdout)")
    let query = try StandIn.sh(
      lab, "lab-gpu1",
      "nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader")
    #expect(query.stdout == "NVIDIA GeForce RTX 4090, 24564 MiB, 580.159.04\n")
    let header = try StandIn.sh(
      lab, "lab-gpu1", "nvidia-smi --query-gpu=name,memory.total --format=csv,nounits")
    #expect(header.stdout == "name, memory.total [MiB]\nNVIDIA GeForce RTX 4090, 24564\n")
    let table = try StandIn.sh(lab, "lab-gpu1", "nvidia-smi").stdout
    #expect(
      table.contains("| NVIDIA-SMI 580.159.04") && table.contains("Driver Version: 580.159.04"))
    let pci = try StandIn.sh(lab, "lab-gpu1", "lspci -nn -d 10de:").stdout
    #expect(
      pci.contains(
        "VGA compatible controller [0300]: NVIDIA Corporation AD102 [GeForce RTX 4090] [10de:2684]"),
      "\(pci)")
    #expect(try StandIn.sh(lab, "lab-cp1", "command -v nvidia-smi").status != 0)
    #expect(try StandIn.sh(lab, "lab-cp1", "lspci -d 10de:").stdout.isEmpty)
    // A host whose driver is not loaded fails like the real tool.
    try StandIn.sh(
      lab, "lab-gpu1",
      "sed -i 's/\"driver_loaded\": true/\"driver_loaded\": false/' /etc/cluster-mgr-lab/gpus.json")
    let broken = try StandIn.sh(lab, "lab-gpu1", "nvidia-smi")
    #expect(
      broken.status == 9 && broken.stdout.contains("couldn't communicate with the NVIDIA driver"))
    try StandIn.sh(
      lab, "lab-gpu1",
      "sed -i 's/\"driver_loaded\": false/\"driver_loaded\": true/' /etc/cluster-mgr-lab/gpus.json")
  }

  @Test func toolkitFromTheAptRepositoryAndTheNvidiaRuntimeAfterRestart() throws {
    let lab = try LabInstance.required()
    try cluster(lab)
    let env = try StandIn.env(lab)
    // The served key is the one whose fingerprint the lab announces.
    let key = try ProcessRunner.run([
      "sh", "-c",
      "curl -fsS '\(env["LAB_NVIDIA_KEY_URL"] ?? "")' | gpg --show-keys --with-colons | grep '^fpr' | head -1",
    ])
    #expect(
      key.stdout.contains(env["LAB_NVIDIA_KEY_FINGERPRINT"] ?? "missing"),
      "\(key.stdout) \(key.stderr)")
    #expect(env["LAB_NVIDIA_REPO_URL"]?.hasSuffix("/libnvidia-container/stable/deb/amd64/") == true)
    let config = "/var/lib/rancher/k3s/agent/etc/containerd/config.toml"
    #expect(try StandIn.sh(lab, "lab-gpu1", "grep -c nvidia \(config)").stdout == "0\n")
    // An unsigned source is refused by apt: the signature is checked for real.
    let unsigned = try StandIn.sh(
      lab, "lab-gpu1",
      """
      echo 'deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] \(env["LAB_NVIDIA_REPO_URL"] ?? "") /' \
        > /etc/apt/sources.list.d/nvidia-container-toolkit.list && apt-get update 2>&1
      """)
    #expect(
      unsigned.stdout.contains("NO_PUBKEY") || unsigned.stdout.contains("not signed"),
      "\(unsigned.stdout)")
    let installed = try installToolkit(lab)
    #expect(installed.status == 0, "\(installed.stderr)")
    #expect(installed.stdout == "install ok installed 1.17.8-1\n")
    let tools = try StandIn.sh(
      lab, "lab-gpu1", "nvidia-ctk --version; command -v nvidia-container-runtime")
    #expect(
      tools.stdout
        == "NVIDIA Container Toolkit CLI version 1.17.8\ncommit: f202b80a9b9d0db00d9b1d73c0128c8962c55f4d\n"
        + "/usr/bin/nvidia-container-runtime\n")
    // Not yet: k3s renders its containerd config only when it starts.
    #expect(try StandIn.sh(lab, "lab-gpu1", "grep -c nvidia \(config)").stdout == "0\n")
    let configure = try StandIn.sh(
      lab, "lab-gpu1", "nvidia-ctk runtime configure --runtime=containerd")
    #expect(configure.stderr.contains("Wrote updated config to /etc/containerd/config.toml"))
    #expect(
      try StandIn.sh(lab, "lab-gpu1", "grep -c nvidia \(config)").stdout == "0\n",
      "k3s ignores /etc/containerd")
    try StandIn.sh(lab, "lab-gpu1", "systemctl restart k3s-agent")
    let rendered = try StandIn.sh(lab, "lab-gpu1", "cat \(config)").stdout
    #expect(
      rendered.contains("[plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.\"nvidia\"]"))
    #expect(rendered.contains("BinaryName = \"/usr/bin/nvidia-container-runtime\""))
    #expect(try StandIn.sh(lab, "lab-gpu1", "k3s crictl info").stdout.contains("\"nvidia\""))
    #expect(
      try StandIn.kubectl(lab, "lab-cp1", "get runtimeclass nvidia -o jsonpath={.handler}").stdout
        == "nvidia")
  }

  static func devicePlugin(replicas: Int, runtimeClass: Bool = true) -> String {
    """
    apiVersion: v1
    kind: ConfigMap
    metadata: {name: nvidia-device-plugin-config, namespace: kube-system}
    data:
      config.yaml: |
        version: v1
        sharing:
          timeSlicing:
            failRequestsGreaterThanOne: true
            resources:
            - name: nvidia.com/gpu
              replicas: \(replicas)
    ---
    apiVersion: apps/v1
    kind: DaemonSet
    metadata: {name: nvidia-device-plugin-daemonset, namespace: kube-system}
    spec:
      selector: {matchLabels: {name: nvidia-device-plugin-ds}}
      updateStrategy: {type: RollingUpdate}
      template:
        metadata: {labels: {name: nvidia-device-plugin-ds}}
        spec:
          nodeSelector: {nvidia.com/gpu.present: "true"}
          \(runtimeClass ? "runtimeClassName: nvidia" : "")
          priorityClassName: system-node-critical
          tolerations: [{key: nvidia.com/gpu, operator: Exists, effect: NoSchedule}]
          containers:
          - name: nvidia-device-plugin-ctr
            image: nvcr.io/nvidia/k8s-device-plugin:v0.17.4
            env: [{name: CONFIG_FILE, value: /config/config.yaml}]
            volumeMounts:
            - {name: device-plugin, mountPath: /var/lib/kubelet/device-plugins}
            - {name: plugin-config, mountPath: /config}
          volumes:
          - {name: device-plugin, hostPath: {path: /var/lib/kubelet/device-plugins}}
          - {name: plugin-config, configMap: {name: nvidia-device-plugin-config}}
    """
  }

  func gpus(_ lab: LabInstance) throws -> String {
    try StandIn.kubectl(
      lab, "lab-cp1", "get node lab-gpu1 -o jsonpath='{.status.allocatable.nvidia\\.com/gpu}'"
    ).stdout
  }

  @Test func devicePluginAdvertisesTimeSlicedGPUs() throws {
    let lab = try LabInstance.required()
    try cluster(lab)
    if try StandIn.sh(lab, "lab-gpu1", "command -v nvidia-container-runtime").status != 0 {
      #expect(try installToolkit(lab).status == 0)
      try StandIn.sh(lab, "lab-gpu1", "systemctl restart k3s-agent")
    }
    // Without runtimeClassName the plugin runs under runc, cannot load NVML and crash-loops: no GPUs.
    #expect(
      try StandIn.kubectl(
        lab, "lab-cp1", "apply -f -",
        input: Self.devicePlugin(replicas: 4, runtimeClass: false)
      ).status == 0)
    let crashing = try StandIn.eventually(15) {
      try StandIn.kubectl(lab, "lab-cp1", "-n kube-system get pods").stdout.contains(
        "CrashLoopBackOff")
    }
    #expect(crashing)
    #expect(try gpus(lab) == "")
    // With the nvidia runtime: GPUs x replicas.
    #expect(
      try StandIn.kubectl(lab, "lab-cp1", "apply -f -", input: Self.devicePlugin(replicas: 4))
        .status == 0)
    let rolled = try StandIn.kubectl(
      lab, "lab-cp1",
      "-n kube-system rollout status ds/nvidia-device-plugin-daemonset --timeout=30s")
    #expect(
      rolled.stdout.contains(
        "daemon set \"nvidia-device-plugin-daemonset\" successfully rolled out"),
      "\(rolled.stdout) \(rolled.stderr)")
    #expect(try StandIn.eventually(15) { try gpus(lab) == "4" })
    #expect(
      try StandIn.node(lab, "lab-cp1", "lab-gpu1").string("status", "capacity", "nvidia.com/gpu")
        == "4")
    #expect(
      try StandIn.node(lab, "lab-cp1", "lab-cp1").at("status", "allocatable", "nvidia.com/gpu")
        == nil)
    // A new ConfigMap is read only when the plugin restarts, as the real plugin does.
    let configOnly = Self.devicePlugin(replicas: 2).components(separatedBy: "---")[0]
    #expect(
      try StandIn.kubectl(lab, "lab-cp1", "apply -f -", input: configOnly).stdout
        == "configmap/nvidia-device-plugin-config configured\n")
    Thread.sleep(forTimeInterval: 3)
    #expect(try gpus(lab) == "4")
    let restart = try StandIn.kubectl(
      lab, "lab-cp1", "-n kube-system rollout restart ds/nvidia-device-plugin-daemonset")
    #expect(restart.stdout == "daemonset.apps/nvidia-device-plugin-daemonset restarted\n")
    #expect(try StandIn.eventually(15) { try gpus(lab) == "2" })
    // A pod asking for more GPUs than are advertised stays Pending.
    let pod = """
      apiVersion: apps/v1
      kind: Deployment
      metadata: {name: gpu-test, namespace: default}
      spec:
        replicas: 1
        selector: {matchLabels: {app: gpu-test}}
        template:
          metadata: {labels: {app: gpu-test}}
          spec:
            runtimeClassName: nvidia
            containers:
            - name: cuda
              image: nvcr.io/nvidia/k8s/cuda-sample:vectoradd-cuda12.5.0
              resources: {limits: {nvidia.com/gpu: 3}}
      """
    #expect(try StandIn.kubectl(lab, "lab-cp1", "apply -f -", input: pod).status == 0)
    let pending = try StandIn.eventually(10) {
      let events = try StandIn.kubectl(lab, "lab-cp1", "get events").stdout
      return events.contains("Insufficient nvidia.com/gpu")
    }
    #expect(pending)
    // Two time-sliced GPUs fit the node but the plugin refuses them (failRequestsGreaterThanOne).
    #expect(
      try StandIn.kubectl(
        lab, "lab-cp1", "apply -f -",
        input: pod.replacingOccurrences(of: "nvidia.com/gpu: 3", with: "nvidia.com/gpu: 2")
      ).status == 0)
    let refused = try StandIn.eventually(10) {
      try StandIn.kubectl(lab, "lab-cp1", "get events").stdout.contains(
        "maximum request size for shared resources is 1")
    }
    #expect(refused)
    #expect(
      try StandIn.kubectl(
        lab, "lab-cp1", "apply -f -",
        input: pod.replacingOccurrences(of: "nvidia.com/gpu: 3", with: "nvidia.com/gpu: 1")
      ).status == 0)
    let running = try StandIn.kubectl(
      lab, "lab-cp1", "wait --for=condition=Available deployment/gpu-test --timeout=30s")
    #expect(running.status == 0, "\(running.stderr)")
  }
}
