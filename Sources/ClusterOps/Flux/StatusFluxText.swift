import Foundation
import TerminalUI

/// How `status` shows Flux: a table for people, an object for scripts.
enum StatusFluxText {
  /// `Flux:` and a line per GitRepository and Kustomization, or a note when Flux is absent.
  static func lines(_ flux: FluxStatus, styler: Styler, maxWidth: Int?) -> [String] {
    guard flux.installed else {
      return ["Flux: not installed (the cluster has no GitRepository or Kustomization CRDs)."]
    }
    var lines: [String] = []
    if let problem = flux.problem {
      lines.append(styler.paint("Flux: could not be read: \(problem)", .yellow))
    }
    if flux.objects.isEmpty {
      lines.append("Flux: installed, no GitRepository or Kustomization yet.")
      return lines
    }
    lines.append("Flux:")
    var table = TextTable(columns: [
      .init("KIND"), .init("NAMESPACE/NAME"), .init("READY"), .init("REVISION"),
      .init("LAST ERROR"),
    ])
    for object in flux.objects {
      table.append([
        object.kind, "\(object.namespace)/\(object.name)",
        styler.paint(
          object.readyText, object.ready == true ? .green : object.ready == false ? .red : .yellow),
        object.revision ?? "-", object.lastError ?? "-",
      ])
    }
    lines += table.lines(maxWidth: maxWidth, styler: styler)
    return lines
  }

  /// `installed`, `error`, `gitRepositories` and `kustomizations` (each with its Ready
  /// condition, revision, message and lastHandledReconcileAt).
  static func jsonObject(_ flux: FluxStatus) -> [String: Any] {
    func object(_ status: FluxObjectStatus) -> [String: Any] {
      [
        "namespace": status.namespace, "name": status.name,
        "ready": StatusJSON.value(status.ready), "reason": StatusJSON.value(status.reason),
        "message": StatusJSON.value(status.message), "revision": StatusJSON.value(status.revision),
        "lastError": StatusJSON.value(status.lastError),
        "lastHandledReconcileAt": StatusJSON.value(status.lastHandledReconcileAt),
        "suspended": status.suspended,
      ]
    }
    return [
      "installed": flux.installed, "error": StatusJSON.value(flux.problem),
      "gitRepositories": flux.gitRepositories.map(object),
      "kustomizations": flux.kustomizations.map(object),
    ]
  }
}
