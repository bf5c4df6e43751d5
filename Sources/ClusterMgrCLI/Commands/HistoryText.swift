import Foundation
import RunHistory

/// The text forms of `cluster-mgr history` and `history show`.
enum HistoryText {
  /// The run list: one row per run under a header, columns aligned; with `clusters`, a
  /// CLUSTER column (runs of several clusters).
  static func table(_ runs: [RunSummary], clusters: Bool = false) -> String {
    var header = [
      "ID", "WHEN", "COMMAND", "OUTCOME", "HOSTS", "OK", "CHANGED", "FAILED", "UNREACHABLE",
      "DURATION", "WHO",
    ]
    var rightAligned: Set<Int> = [0, 4, 5, 6, 7, 8, 9]
    if clusters {
      header.insert("CLUSTER", at: 1)
      rightAligned = Set(rightAligned.map { $0 == 0 ? 0 : $0 + 1 })
    }
    let rows = runs.map { run in
      var row = [
        String(run.id.rawValue), minute.string(from: run.startedAt),
        run.command + (run.checkMode ? " (check)" : ""), outcome(run.outcome),
        String(run.counts.hosts), String(run.counts.ok), String(run.counts.changed),
        String(run.counts.failed), String(run.counts.unreachable),
        run.durationMilliseconds.map(duration) ?? "-", "\(run.user)@\(run.machine)",
      ]
      if clusters { row.insert(run.cluster ?? "-", at: 1) }
      return row
    }
    let all = [header] + rows
    let widths = header.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
    var text = ""
    for row in all {
      let cells = row.indices.map { column in
        pad(row[column], to: widths[column], right: rightAligned.contains(column))
      }
      text += cells.joined(separator: "  ").trimmingTrailingSpaces() + "\n"
    }
    return text
  }

  /// One run: a header block, then its task results grouped by host in recording order.
  static func detail(_ detail: RunDetail, diffs: Bool) -> String {
    let run = detail.run
    var text = "Run \(run.id): \(run.command), \(outcome(run.outcome))"
    text += run.checkMode ? " (check mode: nothing was changed)\n" : "\n"
    text += "  started    \(second.string(from: run.startedAt)) by \(run.user) on \(run.machine)\n"
    if let finished = run.finishedAt {
      let took = run.durationMilliseconds.map { " after " + duration($0) } ?? ""
      text += "  finished   \(second.string(from: finished))\(took)\n"
    } else {
      text += "  finished   - (still running, or it stopped without saying how it ended)\n"
    }
    if let cluster = run.cluster { text += "  cluster    \(cluster)\n" }
    text += "  command    \(run.commandLine)\n"
    if let path = run.inventoryPath {
      let hash = run.inventorySHA256.map { " (sha256 \($0))" } ?? ""
      text += "  inventory  \(path)\(hash)\n"
    }
    let counts = run.counts
    let hostNoun = counts.hosts == 1 ? "host" : "hosts"
    text += "  recap      \(counts.hosts) \(hostNoun): \(counts.ok) ok, \(counts.changed) changed, "
    text +=
      "\(counts.failed) failed, \(counts.unreachable) unreachable, \(counts.skipped) skipped\n"

    let names = detail.tasks.map(taskName)
    let nameWidth = names.map(\.count).max() ?? 0
    let statusWidth = TaskRecord.Status.allCases.map(\.rawValue.count).max() ?? 0
    var hosts: [String] = []
    var byHost: [String: [(TaskRecord, String)]] = [:]
    for (task, name) in zip(detail.tasks, names) {
      if byHost[task.host] == nil { hosts.append(task.host) }
      byHost[task.host, default: []].append((task, name))
    }
    var hiddenDiffs = 0
    for host in hosts {
      text += "\n\(host)\n"
      for (task, name) in byHost[host] ?? [] {
        var line = "  " + pad(task.status.rawValue, to: statusWidth, right: false)
        line += "  " + pad(name, to: nameWidth, right: false)
        line += "  " + pad(duration(task.durationMilliseconds), to: 7, right: true)
        if let message = task.message, !message.isEmpty {
          line += "  " + indentContinuation(message, by: line.count + 2)
        }
        text += line.trimmingTrailingSpaces() + "\n"
        guard let diff = task.diff, !diff.isEmpty else { continue }
        if diffs {
          for diffLine in diff.split(separator: "\n", omittingEmptySubsequences: false)
            .dropLast(diff.hasSuffix("\n") ? 1 : 0)
          {
            text += ("      " + diffLine).trimmingTrailingSpaces() + "\n"
          }
        } else {
          hiddenDiffs += 1
        }
      }
    }
    if detail.tasks.isEmpty { text += "\nNo task results were recorded.\n" }
    if hiddenDiffs > 0 {
      let noun = hiddenDiffs == 1 ? "task has a diff" : "tasks have diffs"
      text += "\n\(hiddenDiffs) \(noun): cluster-mgr history show \(run.id) --diff\n"
    }
    return text
  }

  /// `role / task`, or just the task when it has no role (ad-hoc commands).
  static func taskName(_ task: TaskRecord) -> String {
    task.role.isEmpty ? task.task : "\(task.role) / \(task.task)"
  }

  /// The outcome word; `unfinished` for a run that never said how it ended.
  static func outcome(_ outcome: RunOutcome?) -> String { outcome?.rawValue ?? "unfinished" }

  /// A short human duration: `850ms`, `12.3s`, `4m05s`, `1h02m`.
  static func duration(_ milliseconds: Int64) -> String {
    if milliseconds < 1000 { return "\(milliseconds)ms" }
    if milliseconds < 60_000 {
      return "\(milliseconds / 1000).\(milliseconds % 1000 / 100)s"
    }
    let seconds = milliseconds / 1000
    if seconds < 3600 { return "\(seconds / 60)m" + twoDigits(seconds % 60) + "s" }
    return "\(seconds / 3600)h" + twoDigits(seconds % 3600 / 60) + "m"
  }

  private static func twoDigits(_ value: Int64) -> String {
    value < 10 ? "0\(value)" : "\(value)"
  }

  private static func pad(_ text: String, to width: Int, right: Bool) -> String {
    let fill = String(repeating: " ", count: max(0, width - text.count))
    return right ? fill + text : text + fill
  }

  private static func indentContinuation(_ text: String, by spaces: Int) -> String {
    let indent = "\n" + String(repeating: " ", count: spaces)
    return text.split(separator: "\n", omittingEmptySubsequences: false).joined(separator: indent)
  }

  /// Local time to the minute, for the run list.
  private static let minute = formatter("yyyy-MM-dd HH:mm")
  /// Local time to the second, for one run.
  private static let second = formatter("yyyy-MM-dd HH:mm:ss")

  private static func formatter(_ format: String) -> DateFormatter {
    let formatter = DateFormatter()
    formatter.locale = Locale(identifier: "en_US_POSIX")
    formatter.timeZone = .current
    formatter.dateFormat = format
    return formatter
  }
}

extension String {
  /// The string without trailing spaces (table padding at the end of a line).
  fileprivate func trimmingTrailingSpaces() -> String {
    var text = self
    while text.hasSuffix(" ") { text.removeLast() }
    return text
  }
}
