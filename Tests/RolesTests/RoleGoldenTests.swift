import Engine
import Testing

/// What the roles produce for a set of inventories, kept as goldens under `Golden/<inventory>/`:
/// `files.txt`, every file and manifest the roles write (tokens fixed test values), and
/// `plan.txt`, `provision --check` on fresh hosts run for real in local roots (every task's
/// decision and summary, each host's recap). Re-record with `ROLES_RECORD_GOLDENS=1`.
struct RoleGoldenTests {
  @Test(arguments: GoldenInventory.all)
  func renderedFiles(_ inventory: GoldenInventory) throws {
    GoldenFiles.check(try RenderedFiles.text(inventory), named: "\(inventory.name)/files")
  }

  @Test(arguments: GoldenInventory.all)
  func planOnFreshHosts(_ inventory: GoldenInventory) async throws {
    let (report, text) = try await PlannedRun.run(inventory)
    // A check run on hosts their owners prepared never fails: every host reaches the end.
    #expect(report.recaps.allSatisfy { $0.failed == 0 && $0.unreachable == 0 }, "\(text)")
    GoldenFiles.check(text, named: "\(inventory.name)/plan")
  }
}
