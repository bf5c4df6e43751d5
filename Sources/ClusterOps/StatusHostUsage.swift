import Basics
import Foundation
import SSHTransport

/// The CPU time counters of a host's first `/proc/stat` line.
struct StatusCPUTimes: Sendable, Hashable {
  /// Every jiffy counted (user, nice, system, idle, iowait, irq, softirq, steal).
  var total: UInt64
  /// Idle and iowait jiffies.
  var idle: UInt64

  /// Reads `cpu  user nice system idle iowait irq softirq steal …`.
  init?(line: Substring) {
    let fields = line.split(separator: " ")
    guard fields.first == "cpu", fields.count >= 5 else { return nil }
    let numbers = fields.dropFirst().prefix(8).compactMap { UInt64($0) }
    guard numbers.count >= 4 else { return nil }
    total = numbers.reduce(0, +)
    idle = numbers[3] + (numbers.count > 4 ? numbers[4] : 0)
  }

  init(total: UInt64, idle: UInt64) {
    self.total = total
    self.idle = idle
  }

  /// The busy share between `earlier` and `self`, in percent; nil when no time passed (or the
  /// counters went back, after a reboot).
  func busyPercent(since earlier: StatusCPUTimes) -> Double? {
    guard total > earlier.total, idle >= earlier.idle else { return nil }
    let elapsed = Double(total - earlier.total)
    let idleShare = Double(idle - earlier.idle) / elapsed
    return min(100, max(0, (1 - idleShare) * 100))
  }
}

/// What one read of a host says: CPU counters, memory and the root filesystem.
struct StatusHostReading: Sendable, Hashable {
  /// The counters at the end of the read.
  var cpu: StatusCPUTimes
  /// The busy share over the read's own sampling interval, when it took two samples.
  var sampledCPUPercent: Double?
  /// Online CPUs (`nproc`).
  var cores: Int?
  var memoryTotalBytes: UInt64
  var memoryAvailableBytes: UInt64
  var diskTotalBytes: UInt64
  var diskUsedBytes: UInt64
  /// When the read finished.
  var readAt: Date

  /// Memory in use: total minus available (what `free` calls used, roughly).
  var memoryUsedBytes: UInt64 {
    memoryTotalBytes > memoryAvailableBytes ? memoryTotalBytes - memoryAvailableBytes : 0
  }
}

/// Why a host's figures could not be read.
struct StatusHostReadError: OperatorError {
  let message: String
  var exitStatus: Int32 { ExitStatus.unreachable }
}

/// Reads CPU, memory and disk figures from a host itself with one command over SSH: no
/// metrics-server, no agent, nothing but `/proc/stat`, `/proc/meminfo`, `nproc` and `df`.
enum StatusHostUsage {
  /// The command; with `sampleInterval`, `/proc/stat` is read twice that far apart.
  static func script(sampleInterval: Duration?) -> String {
    var lines = ["export LC_ALL=C", "head -n 1 /proc/stat"]
    if let sampleInterval {
      let seconds = sampleInterval.inSeconds
      lines += ["sleep " + String(format: "%.2f", seconds), "head -n 1 /proc/stat"]
    }
    lines += [
      "grep -E '^(MemTotal|MemAvailable):' /proc/meminfo",
      "echo \"cores $(nproc 2>/dev/null)\"",
      "df -P -k / | awk 'NR == 2 { print \"disk\", $2, $3 }'",
    ]
    return lines.joined(separator: "\n")
  }

  /// Parses the command's output.
  static func parse(_ text: String, host: String, readAt: Date) throws(StatusHostReadError)
    -> StatusHostReading
  {
    var samples: [StatusCPUTimes] = []
    var memory: [String: UInt64] = [:]
    var cores: Int?
    var disk: (total: UInt64, used: UInt64)?
    for line in text.split(separator: "\n") {
      let fields = line.split(separator: " ", omittingEmptySubsequences: true)
      guard let first = fields.first else { continue }
      switch first {
      case "cpu":
        if let times = StatusCPUTimes(line: line) { samples.append(times) }
      case "MemTotal:", "MemAvailable:":
        if fields.count >= 2, let kib = UInt64(fields[1]) {
          memory[String(first.dropLast())] = kib * 1024
        }
      case "cores":
        cores = fields.count >= 2 ? Int(fields[1]) : nil
      case "disk":
        if fields.count >= 3, let total = UInt64(fields[1]), let used = UInt64(fields[2]) {
          disk = (total * 1024, used * 1024)
        }
      default: continue
      }
    }
    guard let last = samples.last, let total = memory["MemTotal"], let disk else {
      throw StatusHostReadError(
        message: "\(host): unexpected output from /proc/stat, /proc/meminfo or df: "
          + String(text.prefix(200)))
    }
    let sampled = samples.count >= 2 ? last.busyPercent(since: samples[samples.count - 2]) : nil
    return StatusHostReading(
      cpu: last, sampledCPUPercent: sampled, cores: cores, memoryTotalBytes: total,
      memoryAvailableBytes: memory["MemAvailable"] ?? 0, diskTotalBytes: disk.total,
      diskUsedBytes: disk.used, readAt: readAt)
  }

  /// Runs the command on `connection` within `timeout`.
  static func read(
    _ connection: SSHConnection, sampleInterval: Duration?, timeout: Duration
  ) async throws -> StatusHostReading {
    let host = connection.target.name
    let result = try await connection.execute(
      .script(
        script(sampleInterval: sampleInterval), timeout: timeout,
        step: "read /proc/stat, /proc/meminfo and df"))
    guard result.succeeded else {
      let detail = result.stderrText.trimmingCharacters(in: .whitespacesAndNewlines)
      throw StatusHostReadError(
        message: "\(host): reading /proc/stat, /proc/meminfo and df failed (exit status "
          + "\(result.exitStatus))" + (detail.isEmpty ? "" : ": " + String(detail.prefix(200))))
    }
    return try parse(result.stdoutText, host: host, readAt: Date())
  }
}
