import ClusterMgrTesting
import Engine
import Foundation
import Testing
import Yams

@testable import Roles

/// Every Kubernetes manifest cluster-mgr ships or renders builds with `kubectl kustomize` and
/// validates against the Kubernetes schemas (`kubernetes-validate --strict`); Flux's own kinds,
/// for which those schemas have no entry, are checked for the fields Flux requires.
@Suite struct ManifestTests {
  static let roleFiles = RoleFiles(root: Repository.root.appendingPathComponent("roles"))

  /// Every directory under gitops/ with a kustomization.yaml.
  static var kustomizations: [String] {
    let root = Repository.root.appendingPathComponent("gitops").path
    let enumerator = FileManager.default.enumerator(atPath: root)
    var result: [String] = []
    while let path = enumerator?.nextObject() as? String {
      if (path as NSString).lastPathComponent == "kustomization.yaml" {
        result.append(root + "/" + (path as NSString).deletingLastPathComponent)
      }
    }
    return result.sorted()
  }

  @Test func everyGitopsKustomizationBuildsAndValidates() throws {
    let dirs = Self.kustomizations
    #expect(dirs.count >= 5)
    for dir in dirs {
      let built = try ProcessRunner.run(["kubectl", "kustomize", dir])
      #expect(built.status == 0, "kubectl kustomize \(dir): \(built.stderr)")
      try Self.validate(built.stdout, name: dir)
    }
  }

  @Test func theClusterEntryPointsAtTheInfrastructureThenTheApps() throws {
    let built = try ProcessRunner.run([
      "kubectl", "kustomize",
      Repository.root.appendingPathComponent("gitops/clusters/homelab").path,
    ])
    let documents = try Self.documents(built.stdout)
    let byName = Dictionary(
      uniqueKeysWithValues: documents.map {
        (($0["metadata"] as? [String: Any])?["name"] as? String ?? "", $0)
      })
    let apps = try #require(byName["apps"]?["spec"] as? [String: Any])
    #expect((apps["dependsOn"] as? [[String: Any]])?.first?["name"] as? String == "infrastructure")
    for (name, document) in byName {
      let path = (document["spec"] as? [String: Any])?["path"] as? String ?? ""
      let target = Repository.root.appendingPathComponent(String(path.dropFirst(2))).path
      #expect(
        FileManager.default.fileExists(atPath: target + "/kustomization.yaml"),
        "\(name) points at \(path)")
    }
  }

  @Test func gpuManifestsRenderAndValidate() throws {
    let config = try Self.roleFiles.render(
      "gpu", template: "time-slicing-config", ["timeSlicing": true, "replicas": 4])
    let sliced = try #require(try Self.documents(config).first?["data"] as? [String: String])
    #expect(sliced["config.yaml"]?.contains("replicas: 4") == true)
    // Without time-slicing, no sharing section: device plugin v0.20.0 refuses replicas < 2.
    let plain = try Self.roleFiles.render(
      "gpu", template: "time-slicing-config", ["timeSlicing": false, "replicas": 1])
    let data = try #require(try Self.documents(plain).first?["data"] as? [String: String])
    #expect(data == ["config.yaml": "version: v1\n"])
    try Self.validate(plain, name: "roles/gpu without time-slicing")
    let plugin = try Self.roleFiles.render(
      "gpu", template: "device-plugin", ["version": "v0.20.0", "configHash": "0123456789abcdef"])
    let runtimeClass = try Self.roleFiles.text("gpu", "manifests/runtimeclass.yaml")
    try Self.validate(config + "---\n" + plugin + "---\n" + runtimeClass, name: "roles/gpu")
    let daemonSet = try #require(try Self.documents(plugin).first)
    let podSpec =
      ((daemonSet["spec"] as? [String: Any])?["template"] as? [String: Any])?["spec"]
      as? [String: Any]
    #expect(podSpec?["runtimeClassName"] as? String == "nvidia")
    #expect((podSpec?["nodeSelector"] as? [String: String]) == ["nvidia.com/gpu.present": "true"])
  }

  @Test func fluxSyncRendersWithAndWithoutADeployKey() throws {
    for secretName in ["flux-system", nil] {
      let sync = try FluxManifests.sync(
        .init(
          namespace: "flux-system", url: "ssh://git@example.com/a/b.git", branch: "main",
          path: "./clusters/x", secretName: secretName))
      try Self.validate(sync, name: "roles/flux")
      let documents = try Self.documents(sync)
      let repo = try #require(documents.first { $0["kind"] as? String == "GitRepository" })
      let secretRef = (repo["spec"] as? [String: Any])?["secretRef"] as? [String: Any]
      #expect((secretRef?["name"] as? String == "flux-system") == (secretName != nil))
    }
  }

  /// Whatever the inventory's strings hold, the objects keep their keys: values stay values.
  @Test func hostileStringsStayValuesInTheFluxObjects() throws {
    let hostile = "main\n  secretRef: {name: stolen}\n---\nkind: Secret\n\"'`$(id)"
    let sync = try FluxManifests.sync(
      .init(
        namespace: "flux-system", url: "https://example.com/a.git\nkind: Pod", branch: hostile,
        path: "./x\n  prune: false", secretName: nil))
    let documents = try Self.documents(sync)
    #expect(documents.count == 2)
    let repo = try #require(documents.first)
    let spec = try #require(repo["spec"] as? [String: Any])
    #expect(Set(spec.keys) == ["interval", "ref", "url"])
    #expect((spec["ref"] as? [String: Any])?["branch"] as? String == hostile)
    let secret = try FluxManifests.deployKeySecret(
      namespace: "flux-system", privateKey: "-----BEGIN KEY-----\n---\nkind: Pod\n",
      publicKey: "ssh-ed25519 AAAA x\nkind: Pod", knownHosts: hostile)
    let secretDocuments = try Self.documents(secret)
    #expect(secretDocuments.count == 1)
    let data = try #require(secretDocuments.first?["stringData"] as? [String: String])
    #expect(Set(data.keys) == ["identity", "identity.pub", "known_hosts"])
    #expect(data["known_hosts"] == hostile)
  }

  // MARK: - Helpers

  static func documents(_ yaml: String) throws -> [[String: Any]] {
    try Yams.load_all(yaml: yaml).compactMap { $0 as? [String: Any] }
  }

  /// Schema validation of the Kubernetes kinds; Flux kinds get their required fields checked.
  static func validate(_ yaml: String, name: String) throws {
    let file = FileManager.default.temporaryDirectory.appendingPathComponent(
      "manifest-\(UUID().uuidString).yaml")
    try yaml.write(to: file, atomically: true, encoding: .utf8)
    defer { try? FileManager.default.removeItem(at: file) }
    let validator = Repository.venvTool("kubernetes-validate")
    try #require(
      FileManager.default.isExecutableFile(atPath: validator),
      "run scripts/setup: \(validator) is missing")
    let result = try ProcessRunner.run([validator, "--strict", "--quiet", file.path])
    #expect(result.status == 0, "\(name): \(result.stdout)\(result.stderr)")
    try checkFlux(try documents(yaml), name: name)
  }

  /// Flux's GitRepository and Kustomization need these fields (source/kustomize-controller v1).
  static func checkFlux(_ documents: [[String: Any]], name: String) throws {
    for document in documents {
      let spec = document["spec"] as? [String: Any] ?? [:]
      switch (document["apiVersion"] as? String, document["kind"] as? String) {
      case ("kustomize.toolkit.fluxcd.io/v1", "Kustomization"):
        #expect(spec["interval"] is String, "\(name): Kustomization needs spec.interval")
        #expect(spec["prune"] is Bool, "\(name): Kustomization needs spec.prune")
        #expect(
          (spec["sourceRef"] as? [String: Any])?["kind"] as? String == "GitRepository",
          "\(name): sourceRef")
        #expect(
          (spec["path"] as? String)?.hasPrefix("./") == true, "\(name): path must start with ./")
      case ("source.toolkit.fluxcd.io/v1", "GitRepository"):
        #expect(spec["interval"] is String, "\(name): GitRepository needs spec.interval")
        #expect(
          (spec["url"] as? String).map { $0.hasPrefix("ssh://") || $0.hasPrefix("https://") }
            == true, "\(name): url")
        #expect((spec["ref"] as? [String: Any])?["branch"] is String, "\(name): ref.branch")
      default:
        continue
      }
    }
  }
}
