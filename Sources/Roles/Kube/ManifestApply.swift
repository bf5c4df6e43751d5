import Basics
import Engine
import Foundation
import Kubernetes

/// A manifest kept applied through the API: every object server-side applied as cluster-mgr
/// (forced where the object is cluster-mgr's), exactly the objects that differ from the cluster
/// (see ``ObjectState``), and the objects a newer manifest dropped deleted (see
/// ``ManifestInventory``). `--check --diff` shows the field diff from the server's dry run.
struct ManifestApply: APIResource {
  let manifest: Manifest
  let reads: KubeReads

  func plan(_ context: PlanContext) async throws -> APIPlan {
    let count = manifest.objects.count
    let label = "\(manifest.name) (\(count) object\(count == 1 ? "" : "s"))"
    let manifest = self.manifest
    let states: [ObjectState]
    let inventory: ManifestInventory
    let stale: [ManifestInventory.Stale]
    do {
      states = try await ObjectState.compare(manifest, reads: reads)
      inventory = try await ManifestInventory.read(reads)
      stale = try await inventory.stale(manifest, reads: reads)
    } catch {
      return try APIPlan.unavailable(error, would: "apply \(label)", context: context)
    }
    let changing = states.filter { $0.verdict != .current }
    let record = inventory.entries(manifest.name) != ManifestInventory.entries(of: manifest)
    if changing.isEmpty && stale.isEmpty && !record { return .ok("\(label) as desired") }
    var parts =
      changing.map(\.summary) + stale.map { "delete \($0.description) (no longer in the manifest)" }
    if parts.isEmpty { parts = ["record its objects in \(ManifestInventory.name)"] }
    var plan = Plan(.change, "\(manifest.name): " + parts.joined(separator: "; "))
    if context.diffMode {
      let diffs =
        changing.compactMap { FieldDiffText.render($0, secret: manifest.secret) }
        + stale.map { "--- \($0.description) (cluster)\n+++ (deleted)\n" }
      plan.diff = diffs.isEmpty ? nil : diffs.joined()
    }
    let target = manifest
    let source = reads
    return APIPlan(plan) {
      try await Self.apply(
        changing, stale: stale, record: record, inventory: inventory, manifest: target,
        reads: source)
    }
  }

  private static func apply(
    _ changing: [ObjectState], stale: [ManifestInventory.Stale], record: Bool,
    inventory: ManifestInventory, manifest: Manifest, reads: KubeReads
  ) async throws -> APIOutcome {
    let client = try await reads.client()
    var done: [String] = []
    for state in changing {
      if case .conflict(let message) = state.verdict {
        throw PlanError(
          "\(state.name) is not cluster-mgr's (it has no \(Manifest.label) label) and another manager owns fields cluster-mgr sets: \(message)",
          remedy:
            "remove the other manager's changes, or label the object \(Manifest.label)=\(manifest.name) so that cluster-mgr takes it over"
        )
      }
      try await state.apply(with: client, secret: manifest.secret)
      done.append(
        state.verdict == .missing || state.verdict == .unserved
          ? "created \(state.name)" : "applied \(state.name)")
    }
    for object in stale {
      try await client.delete(object.type, object.name, namespace: object.namespace)
      done.append("deleted \(object.description)")
    }
    if record { try await inventory.record(manifest, client: client) }
    await reads.forgetAll()
    return APIOutcome(changed: true, output: done.joined(separator: "\n"))
  }
}
