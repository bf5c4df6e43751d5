import ClusterMgrTesting
import Foundation
import Inventory

/// Payloads that would run a command, escape a quote, a here-document or a path, inject YAML
/// or drive a terminal if any of them reached a shell or a template as raw text. Every payload
/// that could run something would create `/tmp/cm-canary-<name>` on the host that ran it.
enum InjectionCorpus {
  struct Payload {
    let name: String
    let text: String
  }

  static let canaryPrefix = "/tmp/cm-canary-"

  static let payloads: [Payload] = [
    Payload(name: "semicolon", text: "x;touch \(canaryPrefix)semicolon;"),
    Payload(name: "dollar", text: "$(touch \(canaryPrefix)dollar)"),
    Payload(name: "backtick", text: "`touch \(canaryPrefix)backtick`"),
    Payload(name: "squote", text: "'; touch \(canaryPrefix)squote; '"),
    Payload(name: "dquote", text: "\"; touch \(canaryPrefix)dquote; \""),
    Payload(name: "newline", text: "line\ntouch \(canaryPrefix)newline\n"),
    Payload(name: "dotdot", text: "../../../../../tmp/cm-canary-dotdot"),
    Payload(name: "nul", text: "nul\u{0}touch \(canaryPrefix)nul"),
    Payload(name: "long", text: String(repeating: "A", count: 4096)),
    Payload(name: "unicode", text: "ünïcödé-☃-𝄞-\u{202E}txt.exe"),
    Payload(name: "escapes", text: "\u{1b}[31mred\u{1b}]0;title\u{07}\u{1b}[2J"),
    Payload(name: "yaml", text: "v\n---\nkind: Secret\nmetadata: {name: injected}"),
    Payload(name: "yamlkey", text: "a: b\ninjected: true"),
    Payload(name: "heredoc", text: "CM_EOF\ntouch \(canaryPrefix)heredoc\nCM_EOF"),
    Payload(name: "glob", text: "*"),
  ]

  /// The schema's variables that hold text (strings, quantities, lists and maps of strings).
  static var stringVariables: [VariableSpec] {
    InventorySchema.allSpecs.filter {
      [.string, .quantity, .list, .mapping, .k3sSettings].contains($0.kind)
    }
  }

  /// Where a case puts its payload.
  enum Place: Hashable, CustomStringConvertible {
    case variable(String)
    case mapKey(String)
    case hostName
    case groupName

    var description: String {
      switch self {
      case .variable(let name): return name
      case .mapKey(let name): return "\(name) (key)"
      case .hostName: return "host name"
      case .groupName: return "group name"
      }
    }
  }

  /// Every place a payload can go: each text variable (and each mapping's keys), host names,
  /// group names.
  static var places: [Place] {
    stringVariables.flatMap { spec -> [Place] in
      spec.kind == .mapping || spec.kind == .k3sSettings
        ? [.variable(spec.name), .mapKey(spec.name)] : [.variable(spec.name)]
    } + [.hostName, .groupName]
  }

  /// A host of the corpus inventories.
  struct Host {
    let name: String
    let address: String
  }

  /// An inventory of a `server` and an `agent` with `payload` at each of `places` (YAML written
  /// from JSON strings, so the payload arrives byte for byte); `extra` lines go into `all`'s
  /// vars.
  static func inventory(
    _ places: [Place], _ payload: String, server: Host, agent: Host, extra: String = ""
  ) -> String {
    let value = json(payload)
    var clusterVars = ""
    var workerVars = ""
    var workerName = agent.name
    var group = ""
    var replaced: [String: String] = [:]
    for place in places {
      switch place {
      case .variable(let name), .mapKey(let name):
        let spec = InventorySchema.spec(name)
        let rendered: String
        switch (place, spec?.kind) {
        case (.mapKey, _): rendered = "{\(value): \"x\"}"
        case (_, .list?), (_, .k3sSettings?): rendered = "[\(value)]"
        case (_, .mapping?): rendered = "{\"example.com/k\": \(value)}"
        default: rendered = value
        }
        if name == "ansible_host" || name == "tailscale_ip" {
          replaced[name] = rendered
        } else if spec?.level == .node {
          workerVars += "          \(name): \(rendered)\n"
        } else {
          clusterVars += "    \(name): \(rendered)\n"
        }
      case .hostName:
        workerName = value
      case .groupName:
        group = "    \(value):\n      hosts:\n        \(workerName):\n"
      }
    }
    return """
      all:
        vars:
          cluster_name: corpus
      \(clusterVars)\(extra)  children:
          control_plane:
            hosts:
              \(server.name):
                ansible_host: \(server.address)
                tailscale_ip: \(server.address)
          workers:
            hosts:
              \(workerName):
                ansible_host: \(replaced["ansible_host"] ?? agent.address)
                tailscale_ip: \(replaced["tailscale_ip"] ?? agent.address)
      \(workerVars)\(group)
      """
  }

  /// The accepted places of one payload, in as few inventories as can hold them: a variable
  /// appears once per inventory (its list form and its key form go to different ones).
  static func batches(_ places: [Place]) -> [[Place]] {
    var batches: [[Place]] = []
    for place in places {
      let variable: String? = {
        switch place {
        case .variable(let name), .mapKey(let name): return name
        default: return nil
        }
      }()
      let clashes: ([Place]) -> Bool = { batch in
        batch.contains {
          switch $0 {
          case .variable(let name), .mapKey(let name): return name == variable
          default: return $0 == place
          }
        }
      }
      if let index = batches.firstIndex(where: { !clashes($0) }) {
        batches[index].append(place)
      } else {
        batches.append([place])
      }
    }
    return batches
  }

  /// `text` as a JSON string literal, which YAML reads as the same string.
  static func json(_ text: String) -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.withoutEscapingSlashes]
    let data = (try? encoder.encode(text)) ?? Data("\"\"".utf8)
    return String(decoding: data, as: UTF8.self)
  }
}
