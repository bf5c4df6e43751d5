import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A program started in the background (the cluster-mgr binary during a signal or lock test):
/// its output goes to files that can be read while it runs, and it can be sent signals.
public final class BackgroundProcess: @unchecked Sendable {
  // Safety: `process` is only read after `run()`; Foundation's Process is thread-safe for that.
  private let process = Process()
  private let directory: URL
  /// Its process id.
  public let pid: Int32

  /// Starts `arguments` (the first one looked up in PATH) with the test environment plus
  /// `environment`.
  public init(_ arguments: [String], environment: [String: String] = [:]) throws {
    directory = FileManager.default.temporaryDirectory.appendingPathComponent(
      "cm-bg-\(UUID().uuidString.prefix(8))")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    FileManager.default.createFile(
      atPath: directory.appendingPathComponent("out").path, contents: nil)
    FileManager.default.createFile(
      atPath: directory.appendingPathComponent("err").path, contents: nil)
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = arguments
    process.environment = TestEnvironment.child(adding: environment)
    process.standardInput = FileHandle.nullDevice
    process.standardOutput = try FileHandle(
      forWritingTo: directory.appendingPathComponent("out"))
    process.standardError = try FileHandle(forWritingTo: directory.appendingPathComponent("err"))
    try process.run()
    pid = process.processIdentifier
  }

  /// Standard output so far.
  public var stdout: String { read("out") }
  /// Standard error so far.
  public var stderr: String { read("err") }
  /// Whether it still runs.
  public var isRunning: Bool { process.isRunning }

  /// Sends `signal` (SIGINT, SIGTERM, SIGKILL…).
  public func send(_ signal: Int32) { kill(pid, signal) }

  /// Waits (polling) until `condition` holds, at most `timeout`; false when it never did.
  public func wait(
    for timeout: Duration, every interval: Duration = .milliseconds(50),
    until condition: () throws -> Bool
  ) async rethrows -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
      if try condition() { return true }
      try? await Task.sleep(for: interval)
    }
    return try condition()
  }

  /// Waits for it to end (at most `timeout`, then it is killed) and returns what it did.
  public func finish(within timeout: Duration = .seconds(600)) async -> ProcessResult {
    _ = await wait(for: timeout, every: .milliseconds(100)) { !process.isRunning }
    if process.isRunning {
      send(SIGKILL)
      process.waitUntilExit()
    }
    let status =
      process.terminationReason == .uncaughtSignal
      ? 128 + process.terminationStatus : process.terminationStatus
    let result = ProcessResult(status: status, stdout: stdout, stderr: stderr)
    try? FileManager.default.removeItem(at: directory)
    return result
  }

  private func read(_ name: String) -> String {
    let data = FileManager.default.contents(atPath: directory.appendingPathComponent(name).path)
    return String(decoding: data ?? Data(), as: UTF8.self)
  }
}

extension ProcessRunner {
  /// Runs `arguments` like ``run(_:environment:input:inputData:currentDirectory:)`` and returns,
  /// with the result, the peak resident memory of the program in bytes (measured by the
  /// kernel's accounting of the child, through a small Python parent).
  public static func runMeasuringPeakMemory(
    _ arguments: [String], environment: [String: String] = [:]
  ) throws -> (result: ProcessResult, peakBytes: Int) {
    let report = FileManager.default.temporaryDirectory.appendingPathComponent(
      "cm-rss-\(UUID().uuidString.prefix(8))")
    defer { try? FileManager.default.removeItem(at: report) }
    let parent = """
      import resource, subprocess, sys
      code = subprocess.run(sys.argv[2:]).returncode
      with open(sys.argv[1], "w") as f:
          f.write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))
      sys.exit(code if code >= 0 else 128 - code)
      """
    let result = try run(
      ["python3", "-c", parent, report.path] + arguments, environment: environment)
    let kibibytes =
      Int(
        (try? String(contentsOf: report, encoding: .utf8))?.trimmingCharacters(
          in: .whitespacesAndNewlines) ?? "") ?? 0
    return (result, kibibytes * 1024)
  }
}
