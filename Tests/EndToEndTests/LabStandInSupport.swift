import ClusterMgrTesting
import Foundation
import Testing

/// Helpers for the tests of the lab's K3s, NVIDIA and Flux stand-ins.
///
/// They drive the stand-ins (scripts/lab.d/k3s, nvidia, aptrepo) by hand, as the roles would:
/// install the artifact, write config.yaml and a systemd unit, start it, read the cluster back.
enum StandIn {
  static let oldVersion = "v1.31.4+k3s1"
  static let newVersion = "v1.31.5+k3s1"

  /// `scripts/lab artifacts`: the directory of K3s release assets.
  static func artifacts(_ lab: LabInstance) throws -> String {
    let result = try ProcessRunner.run([Repository.labScript, "--name", lab.name, "artifacts"])
    guard result.status == 0 else { throw StandInError(message: "lab artifacts: \(result.stderr)") }
    return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
  }

  /// `scripts/lab env` as a dictionary.
  static func env(_ lab: LabInstance) throws -> [String: String] {
    let result = try ProcessRunner.run([Repository.labScript, "--name", lab.name, "env"])
    var out: [String: String] = [:]
    for line in result.stdout.split(separator: "\n") {
      let text = line.hasPrefix("export ") ? line.dropFirst(7) : line[...]
      guard let eq = text.firstIndex(of: "=") else { continue }
      out[String(text[..<eq])] = String(text[text.index(after: eq)...])
    }
    return out
  }

  /// Runs a shell command as root in `host` with `input` on standard input.
  @discardableResult
  static func sh(_ lab: LabInstance, _ host: String, _ command: String, input: Data? = nil) throws
    -> ProcessResult
  {
    try ProcessRunner.run(
      [Repository.labScript, "--name", lab.name, "exec", host, "--", "sh", "-c", command],
      inputData: input)
  }

  /// Pushes the `version` stand-in to /usr/local/bin/k3s (the airgap path: verify, then rename).
  static func install(_ lab: LabInstance, _ version: String, on host: String) throws {
    let dir = try artifacts(lab) + "/k3s/\(version)"
    let binary = try Data(contentsOf: URL(fileURLWithPath: dir + "/k3s"))
    let sums = try String(contentsOfFile: dir + "/sha256sum-amd64.txt", encoding: .utf8)
    let sha = sums.split(separator: " ").first.map(String.init) ?? ""
    let result = try sh(
      lab, host,
      "cat > /usr/local/bin/.k3s.new && echo '\(sha)  /usr/local/bin/.k3s.new' | sha256sum -c --quiet "
        + "&& chmod 755 /usr/local/bin/.k3s.new && mv /usr/local/bin/.k3s.new /usr/local/bin/k3s "
        + "&& ln -sf k3s /usr/local/bin/kubectl",
      input: binary)
    #expect(result.status == 0, "installing k3s on \(host): \(result.stderr)")
  }

  /// Writes the unit the roles write (k3s.service or k3s-agent.service) plus a lab drop-in with
  /// the lab-only knobs, and /etc/rancher/k3s/config.yaml.
  static func configure(
    _ lab: LabInstance, _ host: String, mode: String, config: String, labEnv: [String: String] = [:]
  ) throws {
    let unit = mode == "server" ? "k3s" : "k3s-agent"
    let unitText = """
      [Unit]
      Description=Lightweight Kubernetes
      Wants=network-online.target
      After=network-online.target

      [Service]
      Type=notify
      EnvironmentFile=-/etc/default/%N
      KillMode=process
      Delegate=yes
      LimitNOFILE=1048576
      TimeoutStartSec=0
      Restart=always
      RestartSec=5s
      ExecStart=/usr/local/bin/k3s \(mode)

      [Install]
      WantedBy=multi-user.target

      """
    let dropIn =
      "[Service]\n"
      + labEnv.sorted { $0.key < $1.key }.map { "Environment=\($0.key)=\($0.value)\n" }.joined()
    let script = """
      set -e
      mkdir -p /etc/rancher/k3s /etc/systemd/system/\(unit).service.d
      cat > /etc/systemd/system/\(unit).service <<'UNIT'
      \(unitText)UNIT
      cat > /etc/systemd/system/\(unit).service.d/lab.conf <<'DROPIN'
      \(dropIn)DROPIN
      cat > /etc/rancher/k3s/config.yaml <<'CONFIG'
      \(config)
      CONFIG
      chmod 600 /etc/rancher/k3s/config.yaml
      systemctl daemon-reload
      """
    let result = try sh(lab, host, script)
    #expect(result.status == 0, "configuring \(unit) on \(host): \(result.stderr)")
  }

  /// `systemctl start`; returns the result (non-zero when the unit failed before READY=1).
  @discardableResult
  static func start(_ lab: LabInstance, _ host: String, _ unit: String) throws -> ProcessResult {
    try sh(lab, host, "systemctl reset-failed \(unit) 2>/dev/null; systemctl start \(unit)")
  }

  /// The unit's journal since its last start attempt.
  static func journal(_ lab: LabInstance, _ host: String, _ unit: String) throws -> String {
    try sh(lab, host, "journalctl -u \(unit) --no-pager -o cat | tail -n 40").stdout
  }

  /// `k3s kubectl ARGS` on a server.
  @discardableResult
  static func kubectl(_ lab: LabInstance, _ host: String, _ args: String, input: String? = nil)
    throws
    -> ProcessResult
  {
    try sh(lab, host, "k3s kubectl \(args)", input: input.map { Data($0.utf8) })
  }

  /// A JSON object from `k3s kubectl get ... -o json`.
  static func json(_ lab: LabInstance, _ host: String, _ args: String) throws -> [String: Any] {
    let result = try kubectl(lab, host, "get \(args) -o json")
    #expect(result.status == 0, "kubectl get \(args): \(result.stderr)")
    return (try? JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
      ?? [:]
  }

  /// The node object named `name` as the server sees it.
  static func node(_ lab: LabInstance, _ server: String, _ name: String) throws -> [String: Any] {
    try json(lab, server, "node \(name)")
  }

  /// Polls `check` every half second until it holds or `seconds` pass.
  static func eventually(_ seconds: Double, _ check: () throws -> Bool) rethrows -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
      if try check() { return true }
      Thread.sleep(forTimeInterval: 0.5)
    }
    return try check()
  }
}

/// A failed step of a stand-in test.
struct StandInError: Error, CustomStringConvertible {
  let message: String
  var description: String { message }
}

extension Dictionary where Key == String, Value == Any {
  /// A nested value by path (`["status", "nodeInfo", "kubeletVersion"]`).
  func at(_ path: String...) -> Any? {
    var cur: Any? = self
    for key in path { cur = (cur as? [String: Any])?[key] }
    return cur
  }

  func string(_ path: String...) -> String? {
    var cur: Any? = self
    for key in path { cur = (cur as? [String: Any])?[key] }
    return cur as? String
  }

  /// The status of condition `type` in `status.conditions`.
  func condition(_ type: String) -> String? {
    let conds = (self["status"] as? [String: Any])?["conditions"] as? [[String: Any]] ?? []
    return conds.first { $0["type"] as? String == type }?["status"] as? String
  }

  var labels: [String: String] {
    ((self["metadata"] as? [String: Any])?["labels"] as? [String: String]) ?? [:]
  }
}
