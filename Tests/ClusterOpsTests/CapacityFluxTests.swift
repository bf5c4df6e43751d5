import ClusterMgrTesting
import Foundation
import Inventory
import Kubernetes
import TerminalUI
import Testing

@testable import ClusterOps

/// `status --capacity`'s arithmetic and Flux's rows, from Node, Pod and Flux objects as the API
/// returns them; Flux absent from the API stand-in is a note, not an error.
@Suite struct CapacityFluxTests {
  static let inventoryText = """
    all:
      vars:
        gpu_time_slicing_enabled: true
        gpu_time_slicing_replicas: 4
      children:
        control_plane:
          hosts:
            cp1: {tailscale_ip: 100.64.0.10}
        workers:
          hosts:
            w1: {tailscale_ip: 100.64.0.11, reserved_cpu: 250m, reserved_memory: 512Mi}
            gpu1: {tailscale_ip: 100.64.0.12, gpu: true}
    """

  static func node(
    _ name: String, capacity: [String: String], allocatable: [String: String], args: [String]
  ) throws -> StatusKubeNode {
    var json = Fixtures.node(name, nodeArgs: args)
    var status = json["status"] as? [String: Any] ?? [:]
    status["capacity"] = capacity
    status["allocatable"] = allocatable
    json["status"] = status
    return try #require(StatusKubeNode(json: json))
  }

  static func pod(
    _ name: String, node: String, phase: String = "Running", cpu: String, memory: String,
    gpus: String? = nil
  ) throws -> StatusKubePod {
    var limits: [String: Any] = [:]
    if let gpus { limits["nvidia.com/gpu"] = gpus }
    let json: [String: Any] = [
      "metadata": ["name": name, "namespace": "default"],
      "spec": [
        "nodeName": node,
        "containers": [
          [
            "name": "a",
            "resources": ["requests": ["cpu": cpu, "memory": memory], "limits": limits],
          ]
        ],
      ],
      "status": ["phase": phase],
    ]
    return try #require(StatusKubePod(json: json))
  }

  static func capacity() throws -> StatusCapacity {
    let resolved = try InventoryLoader.load(path: "/tmp/capacity-hosts.yml", text: inventoryText)
    let w1 = try node(
      "w1", capacity: ["cpu": "4", "memory": "8Gi"],
      allocatable: ["cpu": "3250m", "memory": "6556Mi"],
      args: [
        "agent", "--kubelet-arg", "kube-reserved=cpu=250m,memory=512Mi,ephemeral-storage=1Gi",
        "--kubelet-arg", Fixtures.defaultSystemReserved,
      ])
    let gpu1 = try node(
      "gpu1", capacity: ["cpu": "8", "memory": "16Gi", "nvidia.com/gpu": "8"],
      allocatable: ["cpu": "7500m", "memory": "15Gi", "nvidia.com/gpu": "8"],
      args: ["agent", "--kubelet-arg", Fixtures.defaultSystemReserved])
    let pods = try [
      pod("a", node: "w1", cpu: "100m", memory: "64Mi"),
      pod("b", node: "w1", cpu: "0.2", memory: "128Mi"),
      pod("done", node: "w1", phase: "Succeeded", cpu: "1", memory: "1Gi"),
      pod("train", node: "gpu1", cpu: "1", memory: "2Gi", gpus: "3"),
    ]
    return StatusCapacity(
      nodes: [w1, gpu1], pods: pods, inventory: try resolved.nodes(),
      settings: resolved.clusterSettings)
  }

  @Test func reservationsRequestsAndWhatIsLeftAddUp() throws {
    let capacity = try Self.capacity()
    #expect(capacity.nodes.map(\.name) == ["gpu1", "w1"])
    let w1 = try #require(capacity.nodes.last)
    #expect(w1.cpu.capacity == 4000 && w1.cpu.allocatable == 3250)
    #expect(w1.cpu.kubeReserved == 250 && w1.cpu.systemReserved == 500)
    #expect(w1.cpu.reserved == 750 && w1.cpu.otherReserved == 0)
    #expect(w1.cpu.requested == 300, "the finished pod holds nothing")
    #expect(w1.cpu.left == 2950)
    let mebi: Int64 = 1 << 20
    #expect(w1.memory.kubeReserved == 512 * mebi && w1.memory.systemReserved == 1024 * mebi)
    #expect(w1.memory.reserved == 1636 * mebi)
    #expect(w1.memory.otherReserved == 100 * mebi, "the kubelet's eviction threshold")
    #expect(w1.memory.requested == 192 * mebi)
    #expect(w1.pods == 2)
    #expect(w1.gpus.capacity == 0)

    let gpu1 = try #require(capacity.nodes.first)
    #expect(gpu1.gpus.replicas == 4 && gpu1.gpus.physical == 2)
    #expect(gpu1.gpus.requested == 3 && gpu1.gpus.left == 5)
    #expect(gpu1.cpu.kubeReserved == nil && gpu1.cpu.systemReserved == 500)

    let total = capacity.total
    #expect(total.cpu.capacity == 12000 && total.cpu.allocatable == 10750)
    #expect(total.cpu.requested == 1300 && total.cpu.left == 9450)
    #expect(total.cpu.reserved == 1250)
    #expect(total.gpus.physical == 2 && total.gpus.capacity == 8 && total.gpus.replicas == 4)
    #expect(total.pods == 3)
  }

  @Test func capacityTextAndJSON() throws {
    let capacity = try Self.capacity()
    let lines = capacity.textLines()
    let w1CPU = try #require(lines.first { $0.hasPrefix("w1") && $0.contains(" cpu ") })
    #expect(
      w1CPU.split(separator: " ").map(String.init)
        == ["w1", "cpu", "4", "0.75", "0.25", "0.5", "0", "3.25", "0.3", "2.95"], "\(w1CPU)")
    let gpuLine = try #require(lines.first { $0.hasPrefix("gpu1") && $0.contains(" gpu ") })
    #expect(gpuLine.contains("8 (2 × 4)"), "\(gpuLine)")
    #expect(lines.contains { $0.hasPrefix("total") && $0.contains(" memory ") })
    let json = capacity.jsonObject()
    let total = try #require(json["total"] as? [String: Any])
    #expect((total["cpu"] as? [String: Any])?["leftMillicores"] as? Int64 == 9450)
    #expect((total["gpu"] as? [String: Any])?["timeSliceReplicas"] as? Int64 == 4)
  }

  static func flux(_ json: String, kind: String) throws -> FluxObjectStatus {
    FluxObjectStatus(kind: kind, try JSONValue.parse(Data(json.utf8)))
  }

  @Test func fluxRowsShowReadyRevisionAndTheLastError() throws {
    let source = try Self.flux(
      #"{"metadata":{"name":"flux-system","namespace":"flux-system"},"status":{"artifact":{"revision":"main@sha1:abc"},"lastHandledReconcileAt":"2026-12-07T10:00:00.5Z","conditions":[{"type":"Ready","status":"True","reason":"Succeeded","message":"stored artifact for revision 'main@sha1:abc'"}]}}"#,
      kind: "GitRepository")
    #expect(source.ready == true && source.revision == "main@sha1:abc")
    #expect(source.lastError == nil && source.lastHandledReconcileAt == "2026-12-07T10:00:00.5Z")
    let apps = try Self.flux(
      #"{"metadata":{"name":"apps","namespace":"flux-system"},"spec":{"suspend":true},"status":{"lastAppliedRevision":"main@sha1:000","conditions":[{"type":"Ready","status":"False","reason":"BuildFailed","message":"kustomization path not found"}]}}"#,
      kind: "Kustomization")
    #expect(apps.readyText == "False, suspended" && apps.revision == "main@sha1:000")
    #expect(apps.lastError == "kustomization path not found")
    let fresh = try Self.flux(
      #"{"metadata":{"name":"new","namespace":"x"}}"#, kind: "Kustomization")
    #expect(fresh.ready == nil && fresh.readyText == "Unknown" && fresh.revision == nil)

    let flux = FluxStatus(
      installed: true, gitRepositories: [source], kustomizations: [apps], problem: nil)
    let lines = StatusFluxText.lines(flux, styler: .plain, maxWidth: nil)
    #expect(lines.first == "Flux:")
    #expect(
      lines.contains {
        $0.contains("flux-system/apps") && $0.contains("kustomization path not found")
      })
    #expect(lines.contains { $0.contains("GitRepository") && $0.contains("main@sha1:abc") })
    let object = StatusFluxText.jsonObject(flux)
    let kustomization = (object["kustomizations"] as? [[String: Any]])?.first
    #expect(kustomization?["lastError"] as? String == "kustomization path not found")
    #expect(kustomization?["suspended"] as? Bool == true)
    #expect(flux.monitorWorkloads.map(\.health) == [.healthy, .failed])
    #expect(
      ReconcileOperation.resultLine(source)
        == "GitRepository flux-system/flux-system: revision main@sha1:abc, Ready True (stored artifact for revision 'main@sha1:abc')"
    )
  }

  @Test(.timeLimit(.minutes(1)))
  func withoutFluxsCRDsStatusSaysSoAndReconcileNamesIt() async throws {
    let server = try #require(NodeDrainTests.server, "the API stand-in did not start")
    let client = KubeClient(
      credentials: try KubeCredentials.parse(server.kubeconfig, source: "test"))
    let flux = await FluxStatus.read(client)
    #expect(!flux.installed && flux.problem == nil && flux.objects.isEmpty)
    #expect(
      StatusFluxText.lines(flux, styler: .plain, maxWidth: nil)
        == ["Flux: not installed (the cluster has no GitRepository or Kustomization CRDs)."])
    let error = await #expect(throws: OperationError.self) {
      _ = try await ReconcileOperation.find(
        client, FluxKinds.kustomization, "flux-system", namespace: "flux-system")
    }
    #expect(error?.message.contains("Flux is not installed") == true)
  }

  @Test func reconcileRequestIsRFC3339WithFractionalSeconds() {
    let value = ReconcileOperation.requestValue(Date(timeIntervalSince1970: 1_800_000_000.25))
    #expect(value == "2027-01-15T08:00:00.250Z")
  }
}
