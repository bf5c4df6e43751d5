import ClusterMgrTesting
import Foundation
import Inventory
import Testing

/// Helpers for the tests of the release mirror and the workstation (LabWorkstationTests).
enum Workstation {
  static let name = "ws1"
  static let user = "alice"
  /// cluster-mgr's default `k3s_version`, which the lab must build a K3s stand-in for.
  static let defaultK3sVersion =
    InventorySchema.spec("k3s_version")?.defaultValue?.stringValue ?? ""
  static let fluxVersion = InventorySchema.spec("flux_version")?.defaultValue?.stringValue ?? ""
  /// What cluster-mgr's .deb is expected to depend on (dpkg-shlibdeps on the Swift binary).
  static let debDepends = [
    "libc6", "libssh2-1", "libcurl4", "libsqlite3-0", "libstdc++6", "libgcc-s1", "zlib1g",
    "libssl3",
  ]

  /// GitHub's release download path of a K3s asset, the version's `+` URL-encoded as cluster-mgr
  /// sends it.
  static func k3sPath(_ asset: String, version: String = defaultK3sVersion) -> String {
    "/k3s-io/k3s/releases/download/\(version.replacingOccurrences(of: "+", with: "%2B"))/\(asset)"
  }

  static var fluxPath: String { "/fluxcd/flux2/releases/download/\(fluxVersion)/install.yaml" }

  /// A file of the lab's K3s/Flux artifacts (`k3s/<version>/k3s`).
  static func artifact(_ lab: LabInstance, _ relative: String) throws -> Data {
    try Data(contentsOf: URL(fileURLWithPath: try StandIn.artifacts(lab) + "/" + relative))
  }

  /// The sha256 the release's sha256sum-amd64.txt lists for `k3s`.
  static func listedK3sSHA256(_ lab: LabInstance) throws -> String {
    let sums = try artifact(lab, "k3s/\(defaultK3sVersion)/sha256sum-amd64.txt")
    return String(decoding: sums, as: UTF8.self).split(separator: " ").first.map(String.init) ?? ""
  }

  /// The sha256 of what `curl -fsSL URL` downloads on `host` (empty when curl fails).
  static func downloadedSHA256(_ lab: LabInstance, _ host: String, _ url: String) throws -> String {
    let result = try lab.exec(
      host,
      "t=$(mktemp) && curl -fsSL '\(url)' -o \"$t\" && sha256sum < \"$t\"; rc=$?; rm -f \"$t\"; exit $rc"
    )
    guard result.status == 0 else { return "" }
    return String(result.stdout.prefix(64))
  }

  /// sha256 of local data, by sha256sum.
  static func sha256(_ data: Data) throws -> String {
    String(try ProcessRunner.run(["sha256sum"], inputData: data).stdout.prefix(64))
  }

  /// `/localapi/v0/status` through a tailscaled socket, decoded.
  static func tailscaleStatus(_ json: String) throws -> [String: Any] {
    try #require(
      try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any],
      "not a status: \(json.prefix(200))")
  }

  /// The peers of a status, by HostName.
  static func peers(_ status: [String: Any]) -> [String: [String: Any]] {
    let peers = (status["Peer"] as? [String: [String: Any]])?.values.map { $0 } ?? []
    return Dictionary(uniqueKeysWithValues: peers.map { ($0["HostName"] as? String ?? "", $0) })
  }

  /// A minimal .deb (no files) whose Depends are `depends`, built with dpkg-deb.
  static func probeDeb(depends: [String]) throws -> String {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent(
      "lab-probe-\(UUID().uuidString.prefix(8))")
    let control = dir.appendingPathComponent("root/DEBIAN/control")
    try FileManager.default.createDirectory(
      at: control.deletingLastPathComponent(), withIntermediateDirectories: true)
    try """
    Package: lab-depends-probe
    Version: 1.0
    Architecture: amd64
    Maintainer: cluster-mgr lab <lab@example.invalid>
    Depends: \(depends.joined(separator: ", "))
    Description: cluster-mgr lab probe with cluster-mgr's dependencies

    """.write(to: control, atomically: true, encoding: .utf8)
    let deb = dir.appendingPathComponent("lab-depends-probe_1.0_amd64.deb").path
    let built = try ProcessRunner.run([
      "dpkg-deb", "--root-owner-group", "--build", dir.appendingPathComponent("root").path, deb,
    ])
    guard built.status == 0 else { throw StandInError(message: "dpkg-deb: \(built.stderr)") }
    return deb
  }
}
