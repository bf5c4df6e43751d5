import ClusterMgrTesting
import Engine
import Foundation
import Kubernetes
import Testing

@testable import Roles

/// `sops_age_key_file`: the Secret `sops-age` (`age.agekey`, a secret manifest) and the
/// Kustomization's `spec.decryption`, present with the key and absent without it; the key never
/// reaches a diff.
@Suite struct SOPSManifestTests {
  static let url = "ssh://git@git.example.com/home/fleet.git"

  static func kustomization(_ manifest: Manifest) throws -> JSONValue {
    try #require(manifest.objects.first { $0["kind"]?.string == "Kustomization" })
  }

  @Test func theKustomizationDecryptsWithSopsAgeOnlyWhenAKeyIsSet() throws {
    let inputs = try GoldenInventory.server.inputs()
    let with = try ClusterManifests.fluxSync(
      inputs, url: Self.url, withDeployKey: true, withDecryption: true)
    #expect(
      try Self.kustomization(with)[path: ["spec", "decryption"]]
        == .object([
          "provider": .string("sops"), "secretRef": .object(["name": .string("sops-age")]),
        ]))
    let without = try ClusterManifests.fluxSync(
      inputs, url: Self.url, withDeployKey: true, withDecryption: false)
    #expect(try Self.kustomization(without)[path: ["spec", "decryption"]] == nil)
    #expect(try Self.kustomization(without)[path: ["spec", "path"]] == .string("./clusters/home"))
  }

  @Test func theAgeKeyIsASecretManifestUnderAgeAgekey() throws {
    let inputs = try GoldenInventory.server.inputs()
    let manifest = try ClusterManifests.sopsAge(inputs, GoldenInventory.ageKey)
    #expect(manifest.secret)
    #expect(manifest.name == "flux-sops-age")
    let secret = try #require(manifest.objects.first)
    #expect(manifest.objects.count == 1)
    #expect(secret["kind"] == .string("Secret"))
    #expect(secret[path: ["metadata", "name"]] == .string("sops-age"))
    #expect(secret[path: ["metadata", "namespace"]] == .string("flux-system"))
    #expect(secret[path: ["metadata", "labels", Manifest.label]] == .string("flux-sops-age"))
    #expect(secret[path: ["metadata", "annotations"]] == nil)
    #expect(
      secret[path: ["data", "age.agekey"]]
        == .string(Data(GoldenInventory.ageKey.utf8).base64EncodedString()))
    #expect(secret["data"]?.object?.count == 1)
  }

  @Test func theKeyNeverReachesTheDiffText() throws {
    let inputs = try GoldenInventory.server.inputs()
    let manifest = try ClusterManifests.sopsAge(inputs, GoldenInventory.ageKey)
    let desired = manifest.objects[0]
    let oldKey = "AGE-SECRET-KEY-1OLDOLDOLDOLDOLDOLDOLDOLDOLDOLDOLDOLDOLDOLDOLDOLDOLDOLD\n"
    let live = desired.setting(
      path: ["data", "age.agekey"], to: .string(Data(oldKey.utf8).base64EncodedString()))
    let changes = FieldDiff.changes(from: live, to: desired)
    #expect(changes.map(\.path) == ["data.age.agekey"])
    let text =
      changes.map { FieldDiffText.render($0, secret: true) }.joined()
      + changes.map(\.summary).joined()
    for secret in [GoldenInventory.ageKey, oldKey] {
      for form in [secret, Data(secret.utf8).base64EncodedString(), "AGE-SECRET-KEY-1"] {
        #expect(!text.contains(form), "\(text)")
      }
    }
  }
}
