import Foundation
import TerminalUI

extension PingReport {
  /// One line per host, the problems with their remedies, then the summary.
  public func textLines(maxWidth: Int? = nil) -> [String] {
    var table = TextTable(columns: [
      .init("HOST"), .init("STATUS"), .init("AUTH"), .init("SUDO"), .init("OS"), .init("ARCH"),
      .init("TAILSCALE IP"),
    ])
    for result in results {
      table.append([
        result.host, result.status.rawValue, result.authenticationSummary,
        result.reachable ? result.sudo.rawValue : "-", result.os?.name ?? "-",
        result.architecture ?? "-", result.tailscaleSummary,
      ])
    }
    var lines = table.lines(maxWidth: maxWidth)
    let problems = results.compactMap(\.problem)
    if !problems.isEmpty { lines.append("") }
    for problem in problems {
      lines.append("error: " + problem.message)
      if let remedy = problem.remedy { lines.append("  fix: " + remedy) }
    }
    lines.append("")
    lines.append(summaryLine)
    return lines
  }

  /// `3 hosts: 2 ok, 1 unreachable, 0 failed`.
  public var summaryLine: String {
    let counts = summary
    let hosts = counts.hosts == 1 ? "1 host" : "\(counts.hosts) hosts"
    return "\(hosts): \(counts.ok) ok, \(counts.unreachable) unreachable, \(counts.failed) failed"
  }

  /// The report as pretty-printed JSON with sorted keys.
  public func json() -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    let document = PingJSON(hosts: results, summary: summary, exitStatus: exitStatus)
    guard let data = try? encoder.encode(document) else { return "{}" }
    return String(decoding: data, as: UTF8.self)
  }
}

/// The JSON document `ping --output json` prints.
struct PingJSON: Encodable {
  let hosts: [PingResult]
  let summary: PingReport.Summary
  let exitStatus: Int32
}

extension PingResult {
  /// `agent`, `key id_ed25519`, `none`, or `-`.
  var authenticationSummary: String {
    guard let authentication else { return "-" }
    if authentication.hasPrefix("key ") {
      return "key " + (authentication.split(separator: "/").last.map(String.init) ?? "")
    }
    return String(authentication.prefix(while: { $0 != " " }))
  }

  /// `100.64.0.10 (= inventory)`, `100.64.0.11 (inventory: 100.64.0.10)`, `-`.
  var tailscaleSummary: String {
    guard let tailscale, reachable else { return "-" }
    let observed = tailscale.observed ?? "none"
    switch (tailscale.inventory, tailscale.matches) {
    case (nil, _): return observed + " (not in inventory)"
    case (_, true?): return observed + " (= inventory)"
    case (let expected?, _): return observed + " (inventory: \(expected))"
    }
  }
}
