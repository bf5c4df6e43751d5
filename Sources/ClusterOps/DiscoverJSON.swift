import Foundation
import Tailscale

extension DiscoverReport {
  /// The report for scripts (`--output json`), pretty-printed with sorted keys.
  public func json() -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    encoder.dateEncodingStrategy = .iso8601
    let data = (try? encoder.encode(JSONReport(self))) ?? Data("{}".utf8)
    return String(decoding: data, as: UTF8.self)
  }
}

/// The shape of `discover --output json` (documented in docs/discovery.md).
private struct JSONReport: Encodable {
  let backendState: String
  let tailnet: String?
  let inventory: JSONInventory
  let nodes: [JSONNode]
  let notInTailnet: [String]
  let summary: DiscoverReport.Summary
  let warnings: [String]

  init(_ report: DiscoverReport) {
    backendState = report.backendState.description
    tailnet = report.tailnetName
    switch report.inventory {
    case .skipped: inventory = JSONInventory(checked: false, path: nil, error: nil)
    case .loaded(let path, _): inventory = JSONInventory(checked: true, path: path, error: nil)
    case .unavailable(let path, let reason):
      inventory = JSONInventory(checked: false, path: path, error: reason)
    }
    nodes = report.nodes.map { JSONNode($0, now: report.now) }
    notInTailnet = report.notInTailnet
    summary = report.summary
    warnings = report.warnings
  }
}

private struct JSONInventory: Encodable {
  let checked: Bool
  let path: String?
  let error: String?

  func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode(checked, forKey: .checked)
    try container.encode(path, forKey: .path)
    try container.encode(error, forKey: .error)
  }

  enum CodingKeys: String, CodingKey { case checked, path, error }
}

private struct JSONNode: Encodable {
  let id: String
  let hostname: String
  let dnsName: String
  let ipv4: String?
  let ipv6: String?
  let os: String
  let online: Bool
  let lastSeen: Date?
  let presence: String
  let tags: [String]
  let isSelf: Bool
  let sshHostKeys: [String]
  let inventory: JSONMembership?
  let drifted: Bool

  init(_ entry: DiscoveredNode, now: Date) {
    let node = entry.node
    id = node.id
    hostname = node.hostName
    dnsName = node.magicDNSName
    ipv4 = node.ipv4
    ipv6 = node.ipv6
    os = node.os
    online = node.online
    lastSeen = node.online ? nil : node.lastSeen
    presence = entry.presence(now: now)
    tags = node.tags
    isSelf = entry.isSelf
    sshHostKeys = node.sshHostKeys
    inventory = entry.membership.map {
      JSONMembership(name: $0.name, role: $0.role, tailscaleIP: $0.tailscaleIP)
    }
    drifted = entry.drifted
  }

  enum CodingKeys: String, CodingKey {
    case id, hostname, dnsName, ipv4, ipv6, os, online, lastSeen, presence, tags
    case isSelf = "self"
    case sshHostKeys, inventory, drifted
  }

  func encode(to encoder: any Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    try c.encode(id, forKey: .id)
    try c.encode(hostname, forKey: .hostname)
    try c.encode(dnsName, forKey: .dnsName)
    try c.encode(ipv4, forKey: .ipv4)
    try c.encode(ipv6, forKey: .ipv6)
    try c.encode(os, forKey: .os)
    try c.encode(online, forKey: .online)
    try c.encode(lastSeen, forKey: .lastSeen)
    try c.encode(presence, forKey: .presence)
    try c.encode(tags, forKey: .tags)
    try c.encode(isSelf, forKey: .isSelf)
    try c.encode(sshHostKeys, forKey: .sshHostKeys)
    try c.encode(inventory, forKey: .inventory)
    try c.encode(drifted, forKey: .drifted)
  }
}

private struct JSONMembership: Encodable {
  let name: String
  let role: String?
  let tailscaleIP: String?

  enum CodingKeys: String, CodingKey { case name, role, tailscaleIP }

  func encode(to encoder: any Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    try c.encode(name, forKey: .name)
    try c.encode(role, forKey: .role)
    try c.encode(tailscaleIP, forKey: .tailscaleIP)
  }
}
