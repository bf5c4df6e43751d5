import ArgumentParser
import Basics
import ClusterOps
import Foundation
import SSHTransport
import TerminalUI

extension ClusterMgr {
  /// `cluster-mgr status`: nodes (and pods) as the API, the tailnet and the hosts see them.
  struct Status: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract:
        "Show the cluster's nodes: readiness, roles, versions, tailnet state, capacity and use.",
      discussion: """
        Reads the Kubernetes API from this workstation (no kubectl needed), with Flux's \
        GitRepositories and Kustomizations (Ready, revision, last error) when Flux is \
        installed; --capacity adds what each node offers, keeps, has requested and has left. \
        Reads the tailnet through the local tailscaled, and \
        CPU, memory and disk figures from each host over SSH (/proc/stat, /proc/meminfo, df). \
        CPU REQ and MEM REQ are pod requests against allocatable; CPU, MEMORY and DISK are \
        measured on the host. Exit status: 0 everything answered, 2 invalid inventory, \
        4 the API or a host could not be reached (what could be read is still shown). \
        See docs/status.md.
        """)

    @Flag(help: "List pods too.")
    var pods = false

    @Option(
      name: [.customShort("n"), .long],
      help: ArgumentHelp("Only pods of this namespace (implies --pods).", valueName: "namespace"))
    var namespace: String?

    @Flag(
      help:
        "Add capacity per node and in total: capacity, reserved (kube/system/eviction), allocatable, requested, GPUs and what is left."
    )
    var capacity = false

    @OptionGroup var inventory: InventoryOptions
    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
      try await reportingOperatorErrors {
        let context = try await connection.context(inventory)
        var request = StatusRequest()
        request.includePods = pods
        request.namespace = namespace
        request.capacity = capacity
        request.tailscaleSocket = connection.socket
        let report = await StatusOperation.run(request, context: context)
        await context.sessions.closeAll()
        if output.isJSON {
          print(report.json())
        } else {
          let styler = Styler.forFileDescriptor(1)
          print(report.textLines(styler: styler).joined(separator: "\n"))
        }
        for line in report.problems() { printToStandardError(line) }
        if report.exitStatus != ExitStatus.success { throw ExitCode(report.exitStatus) }
      }
    }
  }
}
