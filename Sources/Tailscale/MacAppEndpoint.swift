import Foundation

/// Finds the macOS Tailscale app's LocalAPI port and token, as the tailscale CLI does
/// (`safesocket_darwin.go`): the App Store build through `lsof`, the standalone build through
/// `/Library/Tailscale/ipnport` and its `sameuserproof-<port>` token file.
enum MacAppEndpoint {
  /// The port and token from `lsof -F` output of the App Store `IPNExtension` process.
  static func parseLsofOutput(_ output: String) -> LocalAPIEndpoint? {
    let marker = ".tailscale.ipn.macos/sameuserproof-"
    for line in output.split(whereSeparator: \.isNewline) {
      guard let range = line.range(of: marker) else { continue }
      let rest = line[range.upperBound...]
      guard let dash = rest.firstIndex(of: "-"), let port = Int(rest[..<dash]),
        (1...65535).contains(port)
      else { continue }
      let token = String(rest[rest.index(after: dash)...])
      if !token.isEmpty { return .loopback(port: port, token: token) }
    }
    return nil
  }

  /// The port and token of the standalone app: `ipnport` is a symlink whose target is the port.
  static func parseStandalone(portLinkTarget: String, token: String?) -> LocalAPIEndpoint? {
    guard let port = Int(portLinkTarget.trimmingCharacters(in: .whitespaces)),
      (1...65535).contains(port)
    else { return nil }
    let trimmed = token?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
    guard !trimmed.isEmpty else { return nil }
    return .loopback(port: port, token: trimmed)
  }

  #if os(macOS)
    /// The app's endpoint on this Mac, or nil when neither app variant is running.
    static func find() -> LocalAPIEndpoint? {
      if let output = runLsof(), let endpoint = parseLsofOutput(output) { return endpoint }
      let directory = "/Library/Tailscale"
      guard
        let target = try? FileManager.default.destinationOfSymbolicLink(
          atPath: directory + "/ipnport")
      else { return nil }
      let token = try? String(
        contentsOfFile: directory + "/sameuserproof-" + target, encoding: .utf8)
      return parseStandalone(portLinkTarget: target, token: token)
    }

    private static func runLsof() -> String? {
      let process = Process()
      process.executableURL = URL(fileURLWithPath: "/usr/sbin/lsof")
      process.arguments = ["-n", "-a", "-u\(getuid())", "-c", "IPNExtension", "-F"]
      let pipe = Pipe()
      process.standardOutput = pipe
      process.standardError = FileHandle.nullDevice
      do { try process.run() } catch { return nil }
      let data = pipe.fileHandleForReading.readDataToEndOfFile()
      process.waitUntilExit()
      return String(decoding: data, as: UTF8.self)
    }
  #endif
}
