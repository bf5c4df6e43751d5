import Foundation

/// This process's resident memory, from /proc/self/status (Linux).
enum MemoryProbe {
  /// Resets the peak (VmHWM) to the current resident size.
  static func resetPeak() {
    guard let handle = FileHandle(forWritingAtPath: "/proc/self/clear_refs") else { return }
    handle.write(Data("5".utf8))
    try? handle.close()
  }

  /// The peak resident size since the last reset, in bytes.
  static var peak: Int { field("VmHWM") }

  /// The current resident size, in bytes.
  static var current: Int { field("VmRSS") }

  private static func field(_ name: String) -> Int {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else {
      return 0
    }
    for line in status.split(separator: "\n") where line.hasPrefix(name + ":") {
      let number = line.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0
      return number * 1024
    }
    return 0
  }
}
