import Foundation

/// The outcome of a finished child process.
public struct ProcessResult: Sendable {
  /// The exit status (or 128 + signal when killed).
  public let status: Int32
  /// Everything the process wrote to standard output.
  public let stdout: String
  /// Everything the process wrote to standard error.
  public let stderr: String
}

/// Runs helper programs (scripts/lab, the cluster-mgr binary, ansible-inventory) from tests.
public enum ProcessRunner {
  /// Runs `arguments` (the first is the executable, looked up in PATH) and waits for it.
  @discardableResult
  public static func run(
    _ arguments: [String], environment: [String: String] = [:], input: String? = nil,
    inputData: Data? = nil, currentDirectory: String? = nil
  ) throws -> ProcessResult {
    let input = inputData ?? input.map { Data($0.utf8) }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = arguments
    var env = ProcessInfo.processInfo.environment
    for (key, value) in environment { env[key] = value }
    process.environment = env
    if let currentDirectory { process.currentDirectoryURL = URL(fileURLWithPath: currentDirectory) }
    let out = Pipe()
    let err = Pipe()
    let stdin = Pipe()
    process.standardOutput = out
    process.standardError = err
    process.standardInput = input == nil ? FileHandle.nullDevice : stdin
    try process.run()
    if let input {
      let writer = stdin.fileHandleForWriting
      Thread {
        writer.write(input)
        try? writer.close()
      }.start()
    }
    // Drain both pipes at once so neither can fill up and stall the child.
    let errBox = DataBox()
    let errDone = DispatchSemaphore(value: 0)
    Thread {
      errBox.data = err.fileHandleForReading.readDataToEndOfFile()
      errDone.signal()
    }.start()
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    errDone.wait()
    let errData = errBox.data
    process.waitUntilExit()
    let status =
      process.terminationReason == .uncaughtSignal
      ? 128 + process.terminationStatus : process.terminationStatus
    return ProcessResult(
      status: status, stdout: String(decoding: outData, as: UTF8.self),
      stderr: String(decoding: errData, as: UTF8.self))
  }
}

private final class DataBox: @unchecked Sendable {
  var data = Data()
}
