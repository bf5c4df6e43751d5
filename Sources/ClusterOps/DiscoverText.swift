import Basics
import Foundation
import Tailscale
import TerminalUI

extension DiscoverReport {
  /// The report for people: warnings, the table, notes about the inventory, the summary line.
  public func textLines() -> [String] {
    var lines = warnings.map { "warning: " + $0 }
    var headers = ["HOSTNAME", "TAILSCALE IP", "MAGICDNS NAME", "OS", "STATUS", "TAGS"]
    let membershipColumns = inventory != .skipped
    if membershipColumns { headers += ["INVENTORY", "DRIFT"] }
    var table = TextTable(columns: headers.map { TextTable.Column($0) })
    for entry in nodes {
      let node = entry.node
      var row = [
        node.hostName + (entry.isSelf ? " (self)" : ""), node.ipv4 ?? "-",
        node.magicDNSName.isEmpty ? "-" : node.magicDNSName, node.os.isEmpty ? "-" : node.os,
        entry.presence(now: now), node.tags.isEmpty ? "-" : node.tags.joined(separator: ","),
      ]
      if membershipColumns { row += membershipCells(entry) }
      // Names and tags are whatever the tailnet's devices report: never raw on a terminal.
      table.rows.append(row.map(PrintableText.escaped))
    }
    if nodes.isEmpty {
      lines.append("No tailnet node matches the filters.")
    } else {
      lines += table.lines()
    }
    lines.append("")
    switch inventory {
    case .unavailable(let path, let reason):
      lines.append(
        "note: the inventory \(path) could not be used, so INVENTORY and DRIFT are empty: \(reason)"
      )
    case .loaded(let path, _) where !notInTailnet.isEmpty:
      lines.append(
        "note: in \(path) but not on the tailnet: \(notInTailnet.joined(separator: ", "))")
    default:
      break
    }
    lines.append(summaryLine)
    return lines
  }

  /// `6 peers, 4 online, 3 in inventory, 1 drifted` (the inventory counts only when it was used).
  public var summaryLine: String {
    let counts = summary
    var parts = [counts.peers == 1 ? "1 peer" : "\(counts.peers) peers", "\(counts.online) online"]
    switch inventory {
    case .loaded:
      parts += ["\(counts.inInventory) in inventory", "\(counts.drifted) drifted"]
    case .unavailable:
      parts.append("inventory not used")
    case .skipped:
      break
    }
    return parts.joined(separator: ", ")
  }

  private func membershipCells(_ entry: DiscoveredNode) -> [String] {
    guard case .loaded = inventory else { return ["", ""] }
    guard let member = entry.membership else { return ["-", ""] }
    var role = member.role ?? "yes (no role)"
    if member.name.caseInsensitiveCompare(entry.node.hostName) != .orderedSame {
      role += " as \(member.name)"
    }
    let drift = entry.drifted ? "inventory has \(member.tailscaleIP ?? "")" : ""
    return [role, drift]
  }
}
