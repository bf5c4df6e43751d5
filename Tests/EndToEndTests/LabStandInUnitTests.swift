import ClusterMgrTesting
import Foundation
import Testing

/// The lab's stand-ins are code too, with Python unit tests of their own (scripts/lab.d/tests).
///
/// They check the stand-ins against upstream's rules and, for the API's schemas, against
/// kubernetes-validate; they run on the workstation with the checkout's `.venv` Python, which
/// has the oracles.
@Suite struct LabStandInUnitTests {
  @Test func standInUnitTestsPass() throws {
    let python = Repository.venvTool("python3")
    try #require(
      FileManager.default.isExecutableFile(atPath: python),
      "run scripts/setup: \(python) is missing")
    let tests = Repository.root.appendingPathComponent("scripts/lab.d/tests").path
    let result = try ProcessRunner.run(
      [python, "-B", "-m", "unittest", "discover", "-s", tests],
      currentDirectory: Repository.root.path)
    #expect(result.status == 0, "\(result.stderr)")
    // unittest prints "Ran N tests" on stderr; an empty discovery would pass silently.
    let ran = result.stderr.firstMatch(of: /Ran (\d+) tests?/).flatMap { Int($0.1) } ?? 0
    #expect(ran >= 20, "\(result.stderr)")
  }
}
