import Basics
import Engine
import Foundation
import Inventory
import OrderedCollections

/// GPU support: on GPU hosts the NVIDIA container toolkit (from NVIDIA's apt repository) and a
/// K3s restart so its containerd picks up the `nvidia` runtime; on the cluster the RuntimeClass,
/// the device plugin limited to GPU nodes, and its time-slicing configuration.
enum GPURoles {
  static let keyPath = "/etc/apt/keyrings/nvidia-container-toolkit.asc"

  static func host(_ inputs: ProvisionInputs) -> Role {
    Role("gpu", tags: ["gpu"]) { context in
      guard let node = inputs.node(context.host), node.gpu else { return [] }
      let unit = node.role == .server ? "k3s" : "k3s-agent"
      // Checked by the inventory's schema (URLs, a 40-digit fingerprint) before any host is
      // touched; the defaults are NVIDIA's (InventorySchema).
      let repository = node.setting("nvidia_container_toolkit_repo_url")
      let keyURL = node.setting("nvidia_container_toolkit_gpgkey_url")
      let fingerprint = node.setting("nvidia_container_toolkit_gpgkey_fingerprint")
      let arch = (context.facts.value("arch", on: node.name) == "aarch64") ? "arm64" : "amd64"
      let source =
        "deb [signed-by=\(keyPath)] \(repository.replacingOccurrences(of: "$(ARCH)", with: arch)) /\n"
      return [
        TaskSpec("NVIDIA GPU and driver present", NvidiaGPUCheck()),
        TaskSpec("NVIDIA apt key", AptSigningKey(url: keyURL, path: keyPath, fingerprint: fingerprint)),
        TaskSpec(
          "NVIDIA apt source",
          ManagedFile(
            "/etc/apt/sources.list.d/nvidia-container-toolkit.list",
            content: .text("# Managed by cluster-mgr.\n" + source)
          ).aptSource()),
        TaskSpec("nvidia-container-toolkit", Packages(["nvidia-container-toolkit"])).notify(
          "restart \(unit)"),
        TaskSpec("restart K3s for the nvidia runtime", FlushHandlers()),
        TaskSpec(
          "K3s containerd has the nvidia runtime",
          WaitFor(
            .command("grep -q nvidia /var/lib/rancher/k3s/agent/etc/containerd/config.toml"),
            timeoutSeconds: 120)),
      ]
    }
    .withHandlers([
      Handler(
        "restart k3s", script: "systemctl restart k3s", failureDiagnostics: Service.journal("k3s")),
      Handler(
        "restart k3s-agent", script: "systemctl restart k3s-agent",
        failureDiagnostics: Service.journal("k3s-agent")),
    ])
  }

  /// The cluster side, through the API: the RuntimeClass, the device plugin with its
  /// configuration, and every GPU node offering its GPUs.
  static func cluster(_ inputs: ProvisionInputs, gpuNodes: [NodeSpec]) -> Role {
    Role("gpu_cluster", tags: ["gpu"]) { context in
      guard !gpuNodes.isEmpty, let reads = ClusterRoles.reads(inputs, context) else { return [] }
      let replicas = ClusterManifests.gpuReplicas(inputs)
      var tasks = [
        TaskSpec(
          "nvidia RuntimeClass",
          ManifestApply(manifest: try ClusterManifests.runtimeClass(inputs), reads: reads)),
        TaskSpec(
          inputs.settings.gpuTimeSlicingEnabled
            ? "device plugin and time-slicing (\(replicas) per GPU)"
            : "device plugin (no time-slicing)",
          ManifestApply(manifest: try ClusterManifests.devicePlugin(inputs), reads: reads)),
      ]
      for node in gpuNodes where !context.facts.droppedHosts.contains(node.name) {
        tasks.append(
          TaskSpec(
            "\(node.name) offers nvidia.com/gpu",
            APIWait.allocatable(
              node.name, resource: "nvidia.com/gpu", minimum: replicas, timeoutSeconds: 180,
              reads: reads)))
      }
      return tasks
    }
  }
}

extension Role {
  /// The same role with `handlers`.
  func withHandlers(_ handlers: [Handler]) -> Role {
    var copy = self
    copy.handlers = handlers
    return copy
  }
}
