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
    process.environment = TestEnvironment.child(adding: environment)
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

/// The environment of every program a test starts: the test process's own, without what a
/// developer's shell may carry that changes results (an SSH agent, a kubeconfig, cluster-mgr and
/// lab settings), with an empty home, one locale and one time zone. A test adds what it needs.
public enum TestEnvironment {
  /// An empty home directory shared by the programs of this test process.
  public static let home: String = {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent(
      "cluster-mgr-test-home-\(getpid())"
    ).path
    try? FileManager.default.createDirectory(
      atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
    return path
  }()

  /// Variables a test never inherits (a test that needs one sets it).
  static func isPersonal(_ name: String) -> Bool {
    ["SSH_AUTH_SOCK", "SSH_AGENT_PID", "KUBECONFIG", "EDITOR", "VISUAL"].contains(name)
      || (name.hasPrefix("CLUSTER_MGR_") && name != "CLUSTER_MGR_BIN")
      || name.hasPrefix("LAB_") || name.hasPrefix("ANSIBLE_") || name.hasPrefix("LC_")
  }

  /// The environment for a child process, with `overrides` applied last.
  public static func child(adding overrides: [String: String]) -> [String: String] {
    var env = ProcessInfo.processInfo.environment.filter { !isPersonal($0.key) }
    env["HOME"] = home
    env["LANG"] = "C.UTF-8"
    env["LC_ALL"] = "C.UTF-8"
    env["TZ"] = "UTC"
    for (key, value) in overrides { env[key] = value }
    return env
  }
}

private final class DataBox: @unchecked Sendable {
  var data = Data()
}
