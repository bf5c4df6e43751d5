import Basics
import Foundation
import Inventory
import Kubernetes
import SSHTransport
import Tailscale

/// `cluster-mgr drift`: compares the inventory with the cluster (through a server over SSH),
/// the tailnet (LocalAPI) and, where the API does not say, the hosts' K3s config over SSH.
public enum DriftOperation {
  /// Reads everything and compares; what cannot be read is listed as not checked.
  /// `artifactsDirectory` (`--artifacts`) supplies Flux's install manifest; without it the one
  /// provision downloaded and checked is used, when there is one.
  public static func run(
    context: ClusterContext, tailscaleSocket: String?, artifactsDirectory: String? = nil
  ) async -> DriftReport {
    let access = ClusterAccess(context: context)
    async let clusterRead = StatusOperation.readCluster(context, access: access, keepOpen: true)
    async let tailnetRead = StatusTailnet.read(
      socket: tailscaleSocket, nodes: context.nodes, timeout: .seconds(5))
    let (cluster, tailnet) = await (clusterRead, tailnetRead)
    var unchecked: [String] = []
    var clusterNodes: [StatusKubeNode]?
    var serverName: String?
    switch cluster.server {
    case .reachable(let name, _):
      clusterNodes = cluster.nodes
      serverName = name
    case .unreachable(let message, let tried):
      let names = tried.isEmpty ? "none in the inventory" : tried.joined(separator: ", ")
      unchecked.append(
        "cluster: the API is unreachable (servers tried: \(names)): \(clause(message)); membership, "
          + "versions, labels, taints and reservations not compared")
    }
    if let problem = tailnet.problem {
      unchecked.append("tailnet: \(clause(problem)); addresses and online state not compared")
    }
    var check = DriftCheck(
      nodes: context.nodes, settings: context.settings, cluster: clusterNodes, tailnet: tailnet)
    if let clusterNodes {
      let withoutArguments = context.nodes.filter { node in
        guard node.role != nil, let kube = clusterNodes.first(where: { $0.name == node.name })
        else { return false }
        return DriftExpectations.kubeletArguments(nodeArgs: kube.annotations["k3s.io/node-args"])
          == nil
      }
      check.configReservations = await readConfigReservations(
        context, hosts: withoutArguments.map(\.name), tailnet: tailnet)
    }
    var (findings, notes) = check.run()
    if clusterNodes != nil {
      let manifests = await DriftManifests.findings(
        context: context, access: access, artifactsDirectory: artifactsDirectory)
      findings += manifests.findings
      notes += manifests.unchecked
    }
    await access.closeAPI()
    return DriftReport(
      findings: findings, unchecked: unchecked + notes, server: serverName,
      clusterChecked: clusterNodes != nil, tailnetChecked: tailnet.isKnown,
      generatedAt: Date())
  }

  /// `message` without its final full stop, to continue the sentence.
  static func clause(_ message: String) -> String {
    let trimmed = message.trimmingCharacters(in: .whitespacesAndNewlines)
    return trimmed.hasSuffix(".") ? String(trimmed.dropLast()) : trimmed
  }

  /// Each host's `kube-reserved`/`system-reserved` from /etc/rancher/k3s/config.yaml.
  ///
  /// Only those lines leave the host (the file also holds the cluster token). Hosts the tailnet
  /// reports offline are not tried.
  static func readConfigReservations(
    _ context: ClusterContext, hosts: [String], tailnet: StatusTailnet
  ) async -> [String: Result<[String: [String: String]], DriftReadError>] {
    var result: [String: Result<[String: [String: String]], DriftReadError>] = [:]
    var targets: [SSHTarget] = []
    for host in hosts {
      if tailnet.isKnown, tailnet.peers[host]?.online == false {
        result[host] = .failure(DriftReadError(message: "the host is offline in the tailnet"))
      } else if let target = context.targets[host] {
        targets.append(target)
      }
    }
    let path = "/etc/rancher/k3s/config.yaml"
    let quoted = ShellQuote.quote(path)
    let pattern = ShellQuote.quote("(kube|system)-reserved=[^\"' ]*")
    let script =
      "[ -f \(quoted) ] || { echo absent; exit 0; }; grep -oE \(pattern) \(quoted) || true"
    let reads = await context.sessions.forEach(targets) { _, connection in
      try await connection.executeChecked(
        .script(script, sudo: true, timeout: .seconds(20), step: "read kubelet reservations"))
    }
    for (target, read) in zip(targets, reads) {
      switch read {
      case .success(let output)
      where output.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines) == "absent":
        result[target.name] = .failure(DriftReadError(message: "\(path) does not exist"))
      case .success(let output):
        let arguments = output.stdoutText.split(separator: "\n").map(String.init)
        result[target.name] = .success(
          DriftExpectations.reservations(kubeletArguments: arguments))
      case .failure(let error):
        result[target.name] = .failure(DriftReadError(message: StatusOperation.describe(error)))
      }
    }
    return result
  }
}
