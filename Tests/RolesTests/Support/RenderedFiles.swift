import ClusterMgrTesting
import Foundation
import Inventory
import Kubernetes

@testable import Engine
@testable import Roles

/// The files and Kubernetes manifests the roles write for an inventory, host by host in play
/// order, as one text: built from the roles' task lists with ``facts(_:)``, so every token is a
/// fixed test value.
enum RenderedFiles {
  /// The facts a run would have published by the time each play builds its tasks: every host an
  /// x86_64 machine with a MagicDNS name, the first server's tokens fixed test values.
  static func facts(_ inputs: ProvisionInputs) -> FactStore.Snapshot {
    var byHost: [String: [String: Fact]] = [:]
    for node in inputs.nodes {
      byHost[node.name] = [
        "arch": Fact("x86_64"), "magicdns_name": Fact("\(node.name).tailnet.example.ts.net"),
      ]
    }
    if let first = inputs.firstServer?.name {
      byHost[first]?["token"] = Fact("K10golden::server:golden-cluster-token", secret: true)
      byHost[first]?[AgentToken.passwordFact] = Fact("golden-agent-password", secret: true)
      byHost[first]?[AgentToken.tokenFact] = Fact(
        "K10golden::node:golden-agent-password", secret: true)
    }
    return FactStore.Snapshot(byHost: byHost)
  }

  /// Every rendered file and manifest of `inventory`.
  static func text(_ inventory: GoldenInventory) throws -> String {
    let inputs = try inventory.inputs()
    let facts = facts(inputs)
    let shipped = try shippedFiles()
    var out = ""
    for play in try ProvisionSite.plays(inputs) {
      for host in play.hosts {
        let context = RoleContext(host: host, facts: facts, checkMode: false)
        for role in play.roles {
          for task in try role.tasks(context) {
            guard let rendered = render(task.resource, shipped: shipped) else { continue }
            out += "==== \(host) (\(play.name)): \(role.name) / \(task.name)\n\(rendered)\n"
          }
        }
      }
    }
    return out
  }

  /// A heading and the content of what `resource` writes, nil when it writes no file or
  /// manifest. Content that is a file of `roles/*/files/` verbatim is named, not repeated.
  static func render(_ resource: any Resource, shipped: [String: String]) -> String? {
    switch resource {
    case let file as ManagedFile:
      let heading =
        "\(file.path) \(String(file.mode, radix: 8)) \(file.owner):\(file.group)"
        + (file.secret ? " secret" : "")
      guard case .text(let text) = file.content else { return heading + "\n(not text)\n" }
      if let name = shipped[text] { return heading + "\n(the content of \(name))\n" }
      return heading + "\n" + terminated(text)
    case let sysctl as Sysctl:
      return "\(sysctl.file) (sysctl.d)\n" + sysctl.fileContent
    case let modules as KernelModules:
      return "\(modules.file) (modules-load.d)\n" + modules.fileContent
    case let apply as ManifestApply:
      let manifest = apply.manifest
      let objects = manifest.objects.map { object -> String in
        let data = try? JSONSerialization.data(
          withJSONObject: object.foundation, options: [.prettyPrinted, .sortedKeys])
        return data.map { String(decoding: $0, as: UTF8.self) } ?? "(not JSON)"
      }
      return "server-side apply \(manifest.name)" + (manifest.secret ? " (secret)" : "") + "\n"
        + objects.map(terminated).joined()
    default:
      return nil
    }
  }

  /// The files the roles ship as they are (`roles/<role>/files/…`), by content.
  static func shippedFiles() throws -> [String: String] {
    let roles = Repository.root.appendingPathComponent("roles")
    var byContent: [String: String] = [:]
    for role in try FileManager.default.contentsOfDirectory(atPath: roles.path).sorted() {
      let files = roles.appendingPathComponent(role).appendingPathComponent("files")
      for name in (try? FileManager.default.contentsOfDirectory(atPath: files.path)) ?? [] {
        let text = try String(contentsOf: files.appendingPathComponent(name), encoding: .utf8)
        byContent[text] = "roles/\(role)/files/\(name)"
      }
    }
    return byContent
  }

  static func terminated(_ text: String) -> String {
    text.hasSuffix("\n") ? text : text + "\n(no newline at the end)\n"
  }
}
