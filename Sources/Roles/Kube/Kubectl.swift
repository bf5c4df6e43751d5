import Basics
import Engine

/// `k3s kubectl` on a server (uses the server's admin kubeconfig; needs root).
enum Kubectl {
  /// The command prefix.
  static let command = "k3s kubectl"

  /// `k3s kubectl` followed by quoted `arguments`.
  static func call(_ arguments: [String]) -> String {
    command + " " + ShellQuote.join(arguments)
  }
}
