import Foundation
import Inventory
import Testing

/// `sops_age_key_file`: a cluster-level path on the workstation, one line of text.
@Suite struct SOPSAgeKeyFileTests {
  static func inventory(_ value: String) -> String {
    """
    all:
      vars:
        git_repo_url: https://github.com/example/fleet.git
        sops_age_key_file: \(value)
      children:
        control_plane:
          hosts:
            cp1: {tailscale_ip: 100.64.0.1}

    """
  }

  @Test func aPathIsReadAsTheClusterSetting() throws {
    let inventory = try InventoryLoader.load(
      path: "hosts.yml", text: Self.inventory("~/.config/sops/age/keys.txt"))
    #expect(InventoryValidator.validate(inventory).filter(\.isError).isEmpty)
    #expect(inventory.clusterSettings.sopsAgeKeyFile == "~/.config/sops/age/keys.txt")
    let spec = try #require(InventorySchema.spec("sops_age_key_file"))
    #expect(spec.kind == .string && spec.level == .cluster && !spec.isSecret)
    #expect(spec.defaultValue == nil)
  }

  @Test func withoutItThereIsNoKeyFile() throws {
    let text = Self.inventory("x").replacingOccurrences(of: "    sops_age_key_file: x\n", with: "")
    let inventory = try InventoryLoader.load(path: "hosts.yml", text: text)
    #expect(inventory.clusterSettings.sopsAgeKeyFile == nil)
  }

  @Test func valuesThatAreNotOnePathAreRefused() throws {
    let spec = try #require(InventorySchema.spec("sops_age_key_file"))
    #expect(spec.problem(with: .string("/home/me/age.agekey")) == nil)
    #expect(spec.problem(with: .int(3))?.contains("must be a string") == true)
    #expect(spec.problem(with: .string("")) != nil, "empty")
    #expect(spec.problem(with: .string("a\nb")) != nil, "two lines")
    #expect(spec.problem(with: .string("a\u{1b}[2Jb")) != nil, "a terminal escape")
    let refused = InventoryValidator.validate(
      try InventoryLoader.load(path: "hosts.yml", text: Self.inventory("42")))
    #expect(
      refused.contains { $0.isError && $0.message.contains("sops_age_key_file") }, "\(refused)")
    #expect(
      try InventoryLoader.load(path: "hosts.yml", text: Self.inventory("42")).clusterSettings
        .sopsAgeKeyFile == nil, "a wrong type is not used")
  }
}
