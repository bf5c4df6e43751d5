import Foundation
import Testing

/// A suite trait that boots a private lab around a test suite and tears it down afterwards.
///
/// Inside the suite, ``LabInstance/current`` is the running lab. Each suite gets its own lab
/// (its own name, bridge and addresses), so suites can run in parallel. A lab needs root: run
/// by a normal user (`swift test` without root), the suite is cancelled, not failed, and says so.
public struct LabTrait: SuiteTrait, TestScoping {
  /// The lab's name.
  public let name: String
  /// The hosts to boot.
  public let hosts: [String]
  /// The workstations to boot (see ``LabInstance/workstations``).
  public let workstations: [String]

  public var isRecursive: Bool { false }

  public func provideScope(
    for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
  ) async throws {
    if getuid() != 0 {
      try Test.cancel("lab suite: a lab needs root (scripts/test runs lab suites as root)")
    }
    let lab = try LabInstance.up(name: name, hosts: hosts, workstations: workstations)
    defer { try? lab.down() }
    try await LabInstance.$current.withValue(lab) { try await function() }
  }
}

extension LabInstance {
  /// The lab booted by the enclosing suite's ``LabTrait``.
  @TaskLocal public static var current: LabInstance?

  /// The current lab, or a failed expectation when the suite has no lab trait.
  public static func required() throws -> LabInstance {
    try #require(current, "this suite needs the .lab(...) trait")
  }
}

extension Trait where Self == LabTrait {
  /// Boots `hosts` (and `workstations`) in a lab called `name` around the suite.
  public static func lab(_ name: String, hosts: [String], workstations: [String] = []) -> Self {
    LabTrait(name: name, hosts: hosts, workstations: workstations)
  }
}
