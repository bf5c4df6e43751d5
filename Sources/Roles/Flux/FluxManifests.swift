import Yams

/// The Kubernetes objects the `flux` role applies, built as values and written by Yams, so no
/// inventory string (URL, branch, path, key) can add a key, a document or a line of YAML.
enum FluxManifests {
  /// What the sync objects say.
  struct Sync {
    let namespace: String
    let url: String
    let branch: String
    let path: String
    /// The Secret holding the deploy key, when the repository needs one.
    let secretName: String?
    /// The Secret holding the age key the Kustomization decrypts SOPS files with (nil: no
    /// `decryption`).
    var decryptionSecretName: String? = nil
  }

  /// The GitRepository and Kustomization `flux-system`.
  static func sync(_ sync: Sync) throws -> String {
    let metadata = Metadata(name: "flux-system", namespace: sync.namespace)
    let repository = GitRepository(
      metadata: metadata,
      spec: .init(
        interval: "1m0s", ref: .init(branch: sync.branch),
        secretRef: sync.secretName.map(Reference.init(name:)), url: sync.url))
    let kustomization = Kustomization(
      metadata: metadata,
      spec: .init(
        decryption: sync.decryptionSecretName.map {
          Kustomization.Decryption(provider: "sops", secretRef: Reference(name: $0))
        },
        interval: "10m0s", path: sync.path, prune: true,
        sourceRef: .init(kind: "GitRepository", name: "flux-system")))
    return "# Managed by cluster-mgr: Flux syncs the cluster from the inventory's git_repo_url.\n"
      + (try YAMLEncoder().encode(repository)) + "---\n" + (try YAMLEncoder().encode(kustomization))
  }

  /// The Secret `flux-system` with the deploy key and the Git host's known_hosts lines (the keys
  /// source-controller reads for SSH).
  static func deployKeySecret(
    namespace: String, privateKey: String, publicKey: String, knownHosts: String
  ) throws -> String {
    let secret = Secret(
      metadata: Metadata(name: "flux-system", namespace: namespace),
      stringData: DeployKeyData(
        identity: endingInNewline(privateKey),
        identityPub: publicKey, knownHosts: knownHosts))
    return try YAMLEncoder().encode(secret)
  }

  /// The Secret `sops-age` with the age key under `age.agekey` (kustomize-controller reads the
  /// keys ending in `.agekey` of a Kustomization's `spec.decryption.secretRef`).
  static func sopsAgeSecret(namespace: String, ageKey: String) throws -> String {
    let secret = Secret(
      metadata: Metadata(name: sopsAgeSecretName, namespace: namespace),
      stringData: AgeKeyData(ageKey: endingInNewline(ageKey)))
    return try YAMLEncoder().encode(secret)
  }

  /// `key` with a final newline (key files end with one; some tools refuse a key without it).
  static func endingInNewline(_ key: String) -> String {
    key.hasSuffix("\n") ? key : key + "\n"
  }

  /// The name of the age key's Secret (Flux's documented one).
  static let sopsAgeSecretName = "sops-age"

  struct Metadata: Encodable {
    let name: String
    let namespace: String
  }

  struct Reference: Encodable {
    let name: String
  }

  struct GitRepository: Encodable {
    let apiVersion = "source.toolkit.fluxcd.io/v1"
    let kind = "GitRepository"
    let metadata: Metadata
    let spec: Spec

    struct Spec: Encodable {
      let interval: String
      let ref: Ref
      let secretRef: Reference?
      let url: String
    }

    struct Ref: Encodable {
      let branch: String
    }
  }

  struct Kustomization: Encodable {
    let apiVersion = "kustomize.toolkit.fluxcd.io/v1"
    let kind = "Kustomization"
    let metadata: Metadata
    let spec: Spec

    struct Spec: Encodable {
      let decryption: Decryption?
      let interval: String
      let path: String
      let prune: Bool
      let sourceRef: SourceRef
    }

    /// `spec.decryption` (kustomize-controller v1): the provider and the Secret with its keys.
    struct Decryption: Encodable {
      let provider: String
      let secretRef: Reference
    }

    struct SourceRef: Encodable {
      let kind: String
      let name: String
    }
  }

  /// An Opaque Secret whose `stringData` holds `Keys`.
  struct Secret<Keys: Encodable>: Encodable {
    let apiVersion = "v1"
    let kind = "Secret"
    let metadata: Metadata
    let type = "Opaque"
    let stringData: Keys
  }

  /// The deploy key Secret's keys.
  struct DeployKeyData: Encodable {
    let identity: String
    let identityPub: String
    let knownHosts: String

    enum CodingKeys: String, CodingKey {
      case identity
      case identityPub = "identity.pub"
      case knownHosts = "known_hosts"
    }
  }

  /// The age key Secret's key.
  struct AgeKeyData: Encodable {
    let ageKey: String

    enum CodingKeys: String, CodingKey {
      case ageKey = "age.agekey"
    }
  }
}
