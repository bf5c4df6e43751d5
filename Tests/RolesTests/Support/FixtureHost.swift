import ClusterMgrTesting
import Foundation
import Inventory

/// A fresh host as its owner hands it over (a local root, see ``LocalRootSessionProvider``):
/// Debian 12 on x86_64, Tailscale up with the inventory's address, and on a GPU node the NVIDIA
/// driver. Commands the machine cannot answer for the host are small scripts in its
/// `/usr/local/bin`, so that what the probes read is the same on every machine.
enum FixtureHost {
  static let osRelease = """
    PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
    ID=debian
    VERSION_ID="12"

    """

  /// `uname -m` and `-r` of the host (the kernel release has no modules directory: no module
  /// counts as built in).
  static let uname = """
    #!/bin/sh
    case "$*" in
    -m) echo x86_64 ;;
    -r) echo 6.1.0-golden-amd64 ;;
    *) exec /usr/bin/uname "$@" ;;
    esac

    """

  /// Prepares `root` as the fresh host of `node`.
  static func prepare(_ root: LocalRoot, node: NodeSpec) throws {
    try root.write(osRelease, to: "/etc/os-release")
    try root.write(uname, to: "/usr/local/bin/uname", mode: 0o755)
    try root.write(tailscale(node), to: "/usr/local/bin/tailscale", mode: 0o755)
    if node.gpu {
      try root.write(nvidiaSMI, to: "/usr/local/bin/nvidia-smi", mode: 0o755)
    }
  }

  /// `tailscale status --json`: Running, with the node's address and a MagicDNS name.
  static func tailscale(_ node: NodeSpec) -> String {
    let address = node.tailscaleIP ?? "100.64.255.1"
    let status =
      #"{"BackendState":"Running","TailscaleIPs":["\#(address)"],"#
      + #""Self":{"DNSName":"\#(node.name).tailnet.example.ts.net.","TailscaleIPs":["\#(address)"]}}"#
    return """
      #!/bin/sh
      [ "$1" = status ] || { echo "tailscale fixture: only status" >&2; exit 1; }
      echo '\(status)'

      """
  }

  /// `nvidia-smi -L` with one GPU.
  static let nvidiaSMI = """
    #!/bin/sh
    [ "$1" = -L ] || { echo "nvidia-smi fixture: only -L" >&2; exit 1; }
    echo "GPU 0: NVIDIA RTX A4000 (UUID: GPU-00000000-0000-0000-0000-000000000000)"

    """
}
