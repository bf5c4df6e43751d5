import Engine
import Foundation

/// What `cluster-mgr provision` (and `add-node --provision`) was asked to do.
public struct ProvisionRequest: Sendable {
  /// The inventory file.
  public var inventoryPath: String
  /// `--limit`: an Ansible host pattern (host, group, glob, `a:b`, `a:!b`, `a:&b`).
  public var limit: String?
  /// Engine options (check, diff, forks, serial, tags, failure policy).
  public var options = RunOptions()
  /// `--extra-vars`: JSON objects or `key=value` pairs, highest precedence.
  public var extraVars: [String] = []
  /// `--artifacts DIR`: push K3s (and Flux) from this directory instead of downloading.
  public var artifactsDirectory: String?
  /// `--accept-new`: record unknown host keys instead of refusing them.
  public var acceptNewHostKeys = false
  /// The sudo password asked with `--ask-become-pass` (a secret), for hosts without their own.
  public var becomePassword: String?
  /// The LocalAPI socket (`--socket`), for host keys the tailnet vouches for.
  public var tailscaleSocket: String?
  /// Run the cluster-side play even if the first server is outside `limit`.
  public var includeClusterSide = false
  /// Merge the admin kubeconfig into this file (nil: `$KUBECONFIG`'s first entry or ~/.kube/config).
  public var kubeconfigPath: String?
  /// Skip the kubeconfig merge.
  public var skipKubeconfig = false
  /// The command line, for the run history.
  public var commandLine: [String] = CommandLine.arguments
  /// The command name in the run history.
  public var commandName = "provision"
  /// `--force-unlock`: remove a cluster lock another command left on the first server.
  public var forceUnlock = false
  /// `--drain-timeout`: the longest one agent's drain may take during a K3s upgrade.
  public var drainTimeoutSeconds = 300
  /// Let a node go back a minor version (only `--rollback-to`, after the restore of the
  /// pre-upgrade snapshot).
  public var allowMinorDowngrade = false

  /// A request for `inventoryPath` with default options.
  public init(inventoryPath: String) { self.inventoryPath = inventoryPath }
}
