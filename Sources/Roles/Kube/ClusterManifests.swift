import Basics
import Engine
import Foundation
import Inventory
import Kubernetes

/// The manifests provision keeps applied for an inventory, built in one place for the roles and
/// for `drift`: the GPU ones when the inventory has GPU nodes, Flux's when it has a
/// `git_repo_url`.
enum ClusterManifests {
  /// The RuntimeClass `nvidia`.
  static func runtimeClass(_ inputs: ProvisionInputs) throws -> Manifest {
    try Manifest(
      name: "gpu-runtimeclass",
      yaml: try inputs.roleFiles.text("gpu", "manifests/runtimeclass.yaml"))
  }

  /// The device plugin DaemonSet and its configuration ConfigMap (time-slicing or none).
  static func devicePlugin(_ inputs: ProvisionInputs) throws -> Manifest {
    let timeSlicing = inputs.settings.gpuTimeSlicingEnabled
    let config = try inputs.roleFiles.render(
      "gpu", template: "time-slicing-config",
      ["timeSlicing": timeSlicing, "replicas": gpuReplicas(inputs)])
    let plugin = try inputs.roleFiles.render(
      "gpu", template: "device-plugin",
      [
        "version": inputs.settings.nvidiaDevicePluginVersion,
        "configHash": String(FileHash.sha256(of: Data(config.utf8)).prefix(16)),
      ])
    return try Manifest(name: "gpu-device-plugin", yaml: config + "---\n" + plugin)
  }

  /// What each GPU is offered as: the time-slicing replicas, else 1. (Device plugin v0.20.0
  /// refuses fewer than 2 replicas; without time-slicing the config has no sharing section.)
  static func gpuReplicas(_ inputs: ProvisionInputs) -> Int {
    inputs.settings.gpuTimeSlicingEnabled ? inputs.settings.gpuTimeSlicingReplicas : 1
  }

  /// The deploy-key Secret `flux-system` (a secret manifest: never shown in a diff).
  static func deployKey(_ inputs: ProvisionInputs, _ key: FluxInputs.DeployKey) throws -> Manifest {
    let secret = try FluxManifests.deployKeySecret(
      namespace: inputs.settings.fluxNamespace, privateKey: key.privateKey,
      publicKey: key.publicKey, knownHosts: key.knownHosts)
    return try Manifest(name: "flux-deploy-key", yaml: secret, secret: true)
  }

  /// The age-key Secret `sops-age` (a secret manifest: never shown in a diff).
  static func sopsAge(_ inputs: ProvisionInputs, _ ageKey: String) throws -> Manifest {
    let secret = try FluxManifests.sopsAgeSecret(
      namespace: inputs.settings.fluxNamespace, ageKey: ageKey)
    return try Manifest(name: "flux-sops-age", yaml: secret, secret: true)
  }

  /// The GitRepository and Kustomization `flux-system` (the Kustomization decrypts with the
  /// `sops-age` Secret when `withDecryption`).
  static func fluxSync(
    _ inputs: ProvisionInputs, url: String, withDeployKey: Bool, withDecryption: Bool
  ) throws -> Manifest {
    let settings = inputs.settings
    let sync = try FluxManifests.sync(
      .init(
        namespace: settings.fluxNamespace, url: url, branch: settings.gitBranch,
        path: settings.gitPath, secretName: withDeployKey ? "flux-system" : nil,
        decryptionSecretName: withDecryption ? FluxManifests.sopsAgeSecretName : nil))
    return try Manifest(name: "flux-sync", yaml: sync)
  }
}

/// Manifest drift for `cluster-mgr drift`: every object provision keeps applied, compared field
/// by field with the cluster (the same comparison, with the server's dry run, that provision
/// makes before it re-applies anything).
public enum ManifestDrift {
  /// One object that is not as its manifest says.
  public struct Finding: Sendable {
    /// `Kind namespace/name`.
    public var object: String
    /// The manifest it belongs to.
    public var manifest: String
    /// The object does not exist.
    public var missing: Bool
    /// The fields that differ (live → desired).
    public var changes: [FieldDiff.Change]
    /// Another manager owns fields of an object that is not cluster-mgr's.
    public var conflict: String?
  }

  /// The findings for every manifest of `inputs` (the Flux install manifest only when its text
  /// is given), and what could not be compared.
  public static func check(
    _ inputs: ProvisionInputs, deployKey: FluxInputs.DeployKey?, sopsAgeKey: String? = nil,
    fluxInstall: String?, client: KubeClient
  ) async throws -> (findings: [Finding], unchecked: [String]) {
    var manifests: [Manifest] = []
    var unchecked: [String] = []
    if inputs.nodes.contains(where: \.gpu) {
      manifests += [
        try ClusterManifests.runtimeClass(inputs), try ClusterManifests.devicePlugin(inputs),
      ]
    }
    if inputs.settings.gitopsEnabled, let url = inputs.settings.gitRepoURL {
      if let fluxInstall {
        manifests.append(try Manifest(name: "flux-install", yaml: fluxInstall))
      } else {
        unchecked.append(
          "flux-install: Flux \(inputs.settings.fluxVersion)'s install manifest is not at hand (provision keeps a checked download; or pass --artifacts)"
        )
      }
      if let deployKey { manifests.append(try ClusterManifests.deployKey(inputs, deployKey)) }
      if url.hasPrefix("ssh://") && deployKey == nil {
        unchecked.append("flux-deploy-key: no deploy key on this workstation yet")
      }
      let decrypts = inputs.settings.sopsAgeKeyFile != nil
      if let sopsAgeKey, decrypts {
        manifests.append(try ClusterManifests.sopsAge(inputs, sopsAgeKey))
      } else if decrypts {
        unchecked.append(
          "flux-sops-age: sops_age_key_file \(inputs.settings.sopsAgeKeyFile ?? "") cannot be read here"
        )
      }
      manifests.append(
        try ClusterManifests.fluxSync(
          inputs, url: url, withDeployKey: url.hasPrefix("ssh://"), withDecryption: decrypts))
    }
    let reads = KubeReads(
      access: FixedClient(client: client), kubeconfig: { "" }, firstServer: "the cluster")
    var findings: [Finding] = []
    for manifest in manifests {
      for state in try await ObjectState.compare(manifest, reads: reads) {
        switch state.verdict {
        case .current: continue
        case .missing, .unserved:
          findings.append(
            Finding(object: state.name, manifest: manifest.name, missing: true, changes: []))
        case .differs(let changes):
          findings.append(
            Finding(object: state.name, manifest: manifest.name, missing: false, changes: changes))
        case .conflict(let message):
          findings.append(
            Finding(
              object: state.name, manifest: manifest.name, missing: false, changes: [],
              conflict: message))
        }
      }
    }
    return (findings, unchecked)
  }
}

/// A ``ClusterAPIAccess`` that hands out a client made elsewhere.
struct FixedClient: ClusterAPIAccess {
  let client: KubeClient
  func client(kubeconfig: String) async throws -> KubeClient { client }
}
