import Basics
import Foundation
import Inventory
import Kubernetes
import SSHTransport

/// Where the read-only and day-2 commands get the API's credentials: the context `cluster_name`
/// that provision merged into the workstation's kubeconfig; else the admin kubeconfig of the
/// first server that answers over SSH (only its CA, client certificate and key are taken).
enum ClusterCredentials {
  struct Found {
    let credentials: KubeCredentials
    /// Where they came from, for messages.
    let source: String
    /// The server the URL names.
    let server: String
  }

  static func find(context: ClusterContext, servers: [NodeSpec], kubeconfigPath: String)
    async throws -> Found
  {
    let cluster = context.settings.clusterName
    if let text = try? String(contentsOfFile: kubeconfigPath, encoding: .utf8),
      let credentials = try? KubeCredentials.parse(
        text, context: cluster, source: "\(kubeconfigPath) (context \(cluster))")
    {
      return Found(
        credentials: retarget(credentials, context: context, servers: servers),
        source: "context \(cluster) of \(kubeconfigPath)",
        server: server(of: credentials.server, context: context) ?? servers[0].name)
    }
    var reasons: [String] = []
    for server in servers {
      do {
        let connection = try await context.connection(to: server.name)
        let read = try await connection.executeChecked(
          .argv(
            ["cat", "/etc/rancher/k3s/k3s.yaml"], sudo: true, timeout: .seconds(20),
            step: "read the admin kubeconfig"))
        let source = "the admin kubeconfig of \(server.name)"
        let credentials = try KubeCredentials.parse(read.stdoutText, source: source)
        return Found(
          credentials: credentials.with(server: url(of: server, context: context)),
          source: source, server: server.name)
      } catch {
        reasons.append("\(server.name): \((error as? any OperatorError)?.message ?? "\(error)")")
      }
    }
    throw OperationError(
      "no credentials for the cluster's API: \(kubeconfigPath) has no context \(cluster), and no server gave its admin kubeconfig (\(reasons.joined(separator: "; ")))",
      remedy:
        "run cluster-mgr provision (it merges the context), or check that the servers are up (cluster-mgr ping)",
      exitStatus: ExitStatus.unreachable)
  }

  /// `https://<server's Tailscale IP>:<api_port>`.
  static func url(of server: NodeSpec, context: ClusterContext) -> String {
    let host = server.tailscaleIP ?? server.address
    return "https://\(host.contains(":") ? "[\(host)]" : host):\(context.settings.apiPort)"
  }

  /// The credentials with a URL that names an allowed server: when the kubeconfig's URL is an
  /// excluded server's (the one being removed), the first allowed server's.
  static func retarget(
    _ credentials: KubeCredentials, context: ClusterContext, servers: [NodeSpec]
  ) -> KubeCredentials {
    guard let named = server(of: credentials.server, context: context),
      !servers.contains(where: { $0.name == named })
    else { return credentials }
    return credentials.with(server: url(of: servers[0], context: context))
  }

  /// The inventory server whose address `url` names.
  static func server(of url: String, context: ClusterContext) -> String? {
    guard
      let host = URLComponents(string: url)?.host?.trimmingCharacters(
        in: CharacterSet(charactersIn: "[]"))
    else { return nil }
    return context.servers.first { $0.tailscaleIP == host || $0.address == host }?.name
  }
}

/// The workstation's kubeconfig: `$KUBECONFIG`'s first file, else `~/.kube/config`.
public enum KubeconfigLocation {
  /// The path provision merges into and the read-only commands read.
  public static var defaultPath: String {
    if let env = ProcessInfo.processInfo.environment["KUBECONFIG"],
      let first = env.split(separator: ":").first
    {
      return String(first)
    }
    return StatePaths.homeDirectory.appendingPathComponent(".kube/config").path
  }
}
