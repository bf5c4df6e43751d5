import Foundation

/// The lab's K3s stand-in API server alone on 127.0.0.1 (scripts/lab.d/k3s/testapi.py), without
/// booting a lab: real HTTPS, server-side apply, watches, evictions and its controllers, with one
/// Ready node (`test-node`), for tests of the Kubernetes client.
public final class TestAPIServer: @unchecked Sendable {
  /// Its directory (certificates, datastore, request log).
  public let directory: String
  /// The port it listens on.
  public let port: Int
  /// An admin kubeconfig with inline certificates.
  public let kubeconfigPath: String
  /// Every API request it served, one JSON object per line.
  public let requestLogPath: String
  private let process: Process
  private let input: Pipe

  /// Starts a server (a second or two: certificates, the first node).
  public init() throws {
    var template = Array("/tmp/cm-api-XXXXXX".utf8CString)
    guard let made = mkdtemp(&template) else { throw CocoaError(.fileWriteUnknown) }
    directory = String(cString: made)
    process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
    process.arguments = [
      Repository.root.appendingPathComponent("scripts/lab.d/k3s/testapi.py").path, "--dir",
      directory,
    ]
    input = Pipe()
    let output = Pipe()
    process.standardInput = input
    process.standardOutput = output
    process.standardError = FileHandle(forWritingAtPath: "/dev/null")
    try process.run()
    var line = Data()
    while !line.contains(0x0A) {
      let chunk = output.fileHandleForReading.availableData
      if chunk.isEmpty { break }
      line.append(chunk)
    }
    guard
      let json = try? JSONSerialization.jsonObject(with: line.prefix { $0 != 0x0A })
        as? [String: Any],
      let port = json["port"] as? Int, let kubeconfig = json["kubeconfig"] as? String,
      let log = json["requestLog"] as? String
    else {
      process.terminate()
      throw LabError(message: "testapi.py did not start: \(String(decoding: line, as: UTF8.self))")
    }
    self.port = port
    kubeconfigPath = kubeconfig
    requestLogPath = log
  }

  deinit { stop() }

  /// The admin kubeconfig's text.
  public var kubeconfig: String {
    (try? String(contentsOfFile: kubeconfigPath, encoding: .utf8)) ?? ""
  }

  /// The requests served so far (method, path, query, userAgent, code, watch).
  public func requests() -> [[String: Any]] {
    let text = (try? String(contentsOfFile: requestLogPath, encoding: .utf8)) ?? ""
    return text.split(separator: "\n").compactMap {
      try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
    }
  }

  /// Stops the server (its stdin closes) and removes its directory.
  public func stop() {
    if process.isRunning {
      try? input.fileHandleForWriting.close()
      // SIGKILL after a moment: children of the test process inherit a mask that blocks SIGTERM.
      for _ in 0..<20 where process.isRunning { usleep(50_000) }
      if process.isRunning { kill(process.processIdentifier, SIGKILL) }
      process.waitUntilExit()
    }
    try? FileManager.default.removeItem(atPath: directory)
  }
}
