import Foundation

/// The facts `ping` reads from a host in one command: who runs it (root when sudo works), the OS,
/// the architecture and the host's own Tailscale IPv4.
struct PingProbe {
  /// Prints `key=value` lines; values are data and never evaluated by cluster-mgr.
  static let script = """
    printf 'uid=%s\\n' "$(id -u)"
    ( . /etc/os-release 2>/dev/null
      printf 'os_id=%s\\n' "${ID:-$(uname -s)}"
      printf 'os_name=%s\\n' "${PRETTY_NAME:-$(uname -sr)}"
      printf 'os_version=%s\\n' "${VERSION_ID:-}" )
    printf 'arch=%s\\n' "$(uname -m)"
    ts=$(tailscale ip -4 2>/dev/null | head -n 1)
    if [ -z "$ts" ]; then
      ts=$(ip -4 -o addr show dev tailscale0 2>/dev/null | awk '{ split($4, a, "/"); print a[1]; exit }')
    fi
    printf 'tailscale_ip=%s\\n' "$ts"
    """

  var uid: String?
  var osID: String?
  var osName: String?
  var osVersion: String?
  var architecture: String?
  var tailscaleIP: String?

  /// Reads the probe's output; unknown lines are ignored, empty values are nil.
  init(output: String) {
    for line in output.split(separator: "\n") {
      guard let equals = line.firstIndex(of: "=") else { continue }
      let value = String(line[line.index(after: equals)...])
      let field = value.isEmpty ? nil : value
      switch line[..<equals] {
      case "uid": uid = field
      case "os_id": osID = field
      case "os_name": osName = field
      case "os_version": osVersion = field
      case "arch": architecture = field
      case "tailscale_ip": tailscaleIP = field
      default: break
      }
    }
  }
}
