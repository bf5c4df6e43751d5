import ClusterMgrTesting
import Foundation
import Testing

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Helpers of the `rel-` suites: the binary in the background, the run history, the cluster
/// lock on a host, and stand-in commands planted on a host to slow a step down or make it fail.
extension NodesRun {
  /// `cluster-mgr ARGS` started in the background with this run's environment.
  func start(_ arguments: [String]) throws -> BackgroundProcess {
    try BackgroundProcess([Repository.clusterMgrBinary] + arguments, environment: environment)
  }

  /// `provision` with the lab's K3s stand-in, JSON events, and `extra`.
  static func provisionArguments(_ extra: [String] = []) throws -> [String] {
    [
      "provision", "--artifacts", try artifacts(), "-e", "k3s_version=v1.31.4+k3s1",
      "--no-kubeconfig", "--output", "json",
    ] + extra
  }

  /// `cluster-mgr provision` with the lab's K3s stand-in (JSON events), in the background.
  func startProvision(_ extra: [String] = []) throws -> BackgroundProcess {
    try start(try Self.provisionArguments(extra))
  }

  /// The newest run of `command` in the history: its outcome (`interrupted`, `succeeded`…).
  func lastOutcome(of command: String) throws -> String? {
    let listing = try run([
      "history", "list", "--command", command, "--limit", "1", "--output", "json",
    ])
    try #require(listing.status == 0, "history list: \(listing.stderr)")
    let runs = try JSONSerialization.jsonObject(with: Data(listing.stdout.utf8)) as? [[String: Any]]
    return runs?.first?["outcome"] as? String
  }

  /// The cluster lock file on `host` (nil: none).
  func clusterLock(on host: String = "lab-cp1") throws -> String? {
    let result = try lab.exec(host, "cat /var/lib/cluster-mgr/lock 2>/dev/null")
    return result.status == 0 ? result.stdout : nil
  }

  /// Whether the K3s server unit is active on `host`.
  func k3sActive(on host: String = "lab-cp1") throws -> Bool {
    try lab.exec(host, "systemctl is-active --quiet k3s").status == 0
  }

  /// Plants `/usr/local/sbin/NAME` on `host`, first in sudo's PATH.
  ///
  /// It runs `body`, then the real command. Removed by ``removeStandIn(_:on:)``.
  func plantStandIn(_ name: String, on host: String = "lab-cp1", _ body: String) throws {
    let real = try lab.exec(host, "PATH=/usr/sbin:/usr/bin:/sbin:/bin command -v \(name)").stdout
      .trimmingCharacters(in: .whitespacesAndNewlines)
    try #require(real.hasPrefix("/"), "\(name) is not installed on \(host)")
    let script = "#!/bin/sh\n\(body)\nexec \(real) \"$@\"\n"
    let result = try lab.exec(
      host,
      "printf '%s' \(Self.quote(script)) > /usr/local/sbin/\(name) && chmod 755 /usr/local/sbin/\(name)"
    )
    try #require(result.status == 0, "cannot plant \(name) on \(host): \(result.stderr)")
  }

  /// Removes a stand-in planted by ``plantStandIn(_:on:_:)``.
  func removeStandIn(_ name: String, on host: String = "lab-cp1") {
    _ = try? lab.exec(host, "rm -f /usr/local/sbin/\(name)")
  }

  /// `text` as one `sh` word.
  static func quote(_ text: String) -> String {
    "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
  }

  /// The JSON events a provision printed.
  static func events(_ stdout: String) -> [[String: Any]] {
    stdout.split(separator: "\n").compactMap {
      try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
    }
  }
}
