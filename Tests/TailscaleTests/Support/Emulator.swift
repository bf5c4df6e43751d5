import ClusterMgrTesting
import Foundation

@testable import Tailscale

/// The lab's LocalAPI emulator (scripts/lab.d/tailscaled_emulator.py) on a private socket, without
/// booting a lab: real HTTP over a real unix socket for the libcurl transport.
final class Emulator: @unchecked Sendable {
  let directory: String
  let socketPath: String
  private let process: Process

  /// A short-lived directory under /tmp (unix socket paths are limited to 107 bytes).
  static func temporaryDirectory() throws -> String {
    var template = Array("/tmp/cm-XXXXXX".utf8CString)
    guard let made = mkdtemp(&template) else { throw CocoaError(.fileWriteUnknown) }
    return String(cString: made)
  }

  /// Starts the emulator serving `tailnet` (the lab's tailnet.json format) in `mode`.
  init(mode: String = "running", tailnet: [String: Any] = Emulator.sampleTailnet) throws {
    directory = try Self.temporaryDirectory()
    socketPath = directory + "/ts.sock"
    try JSONSerialization.data(withJSONObject: tailnet).write(
      to: URL(fileURLWithPath: directory + "/tailnet.json"))
    try (mode + "\n").write(toFile: directory + "/mode", atomically: true, encoding: .utf8)
    process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
    process.arguments = [
      Repository.root.appendingPathComponent("scripts/lab.d/tailscaled_emulator.py").path,
      "--socket", socketPath, "--state-dir", directory,
    ]
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    try process.run()
    for _ in 0..<200 where !FileManager.default.fileExists(atPath: socketPath) {
      usleep(25_000)
    }
  }

  deinit { stop() }

  /// Switches the scenario (`running`, `stopped`, `hang`, `slow:3`, `fixture:PATH`, …).
  func setMode(_ mode: String) throws {
    try (mode + "\n").write(toFile: directory + "/mode", atomically: true, encoding: .utf8)
  }

  /// Every request the emulator logged (method, path, host, referer, origin, tailscale-cap).
  func requests() throws -> [[String: Any]] {
    let text = (try? String(contentsOfFile: directory + "/requests.log", encoding: .utf8)) ?? ""
    return try text.split(separator: "\n").map {
      try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] ?? [:]
    }
  }

  /// A client of this emulator's socket.
  func client(timeout: Duration = .seconds(5)) -> LocalAPIClient {
    LocalAPIClient(
      endpoint: ResolvedEndpoint(
        endpoint: .unixSocket(path: socketPath), source: .option, searched: [socketPath]),
      timeout: timeout, startupGrace: .zero)
  }

  /// Stops the emulator and removes its directory.
  func stop() {
    if process.isRunning {
      // SIGKILL: children of the test process inherit a mask that blocks SIGTERM.
      kill(process.processIdentifier, SIGKILL)
      process.waitUntilExit()
    }
    try? FileManager.default.removeItem(atPath: directory)
  }

  /// A small tailnet: this machine, two tagged Linux servers (one offline) and a phone.
  static var sampleTailnet: [String: Any] {
    [
      "self": ["hostname": "workstation", "ip": "100.64.9.1"],
      "magic_dns_suffix": "test-tailnet.ts.net", "tailnet_name": "test@example.com",
      "peers": [
        [
          "hostname": "node-a", "ip": "100.64.9.10", "os": "linux", "online": true,
          "tags": ["tag:k8s"], "ssh_host_keys": ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA"],
        ],
        [
          "hostname": "node-b", "ip": "100.64.9.11", "os": "linux", "online": false,
          "tags": ["tag:k8s", "tag:gpu"], "last_seen": 1_787_000_000,
        ],
        [
          "hostname": "iPhone", "dns_label": "phone", "ip": "100.64.9.12", "os": "iOS",
          "online": true,
        ],
      ],
    ]
  }
}
