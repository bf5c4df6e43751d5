import Basics
import ClusterMgrTesting
import Engine
import Foundation
import Testing

/// A no-op run costs one round trip per host however many tasks the role has, as the SSH
/// connection counts them (exec channels, sudo included): over SSH, on a lab.
@Suite(.serialized, .lab("t-engrt", hosts: ["lab-w1", "lab-w2"]))
struct RoundTripTests {
  @Test(arguments: [5, 60])
  func noOpRunIsOneRoundTripPerHost(tasks count: Int) async throws {
    let lab = try LabInstance.required()
    let role = Role("many") { _ in
      (0..<count).map { TaskSpec("file \($0)", ManagedFile("/etc/cm-rt/\($0)", content: .text("\($0)\n"))) }
        + [TaskSpec("svc", Service("ssh")), TaskSpec("pkg", Packages(["openssh-server"]))]
    }
    let warm = EngineHarness(sessions: TestSessions.provider(for: lab))
    _ = await warm.run([role], on: ["lab-w1", "lab-w2"])
    let engine = EngineHarness(sessions: TestSessions.provider(for: lab))
    let report = await engine.run([role], on: ["lab-w1", "lab-w2"])
    #expect(report.recaps.allSatisfy { $0.changed == 0 && $0.ok == count + 2 })
    #expect(report.recaps.map(\.roundTrips) == [1, 1])
  }

  @Test func aChangeWithAnArtifactIsTwoRoundTripsPerHost() async throws {
    let lab = try LabInstance.required()
    let local = FileManager.default.temporaryDirectory.appendingPathComponent("cm-rt-\(UUID())")
    defer { try? FileManager.default.removeItem(at: local) }
    let bytes = Data((0..<(1 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 97) })
    try bytes.write(to: local)
    for host in ["lab-w1", "lab-w2"] { try lab.exec(host, "rm -rf /opt/cm-rt-art") }
    let tasks = [
      TaskSpec("config", ManagedFile("/opt/cm-rt-art/config", content: .text("a=1\n"))),
      TaskSpec(
        "binary",
        ManagedFile(
          "/opt/cm-rt-art/tool",
          content: .artifact(localPath: local.path, sha256: FileHash.sha256(of: bytes)),
          mode: 0o755)),
    ]
    let engine = EngineHarness(sessions: TestSessions.provider(for: lab))
    let report = await engine.run([Role("art") { _ in tasks }], on: ["lab-w1", "lab-w2"])
    #expect(report.recaps.allSatisfy { $0.changed == 2 && $0.failed == 0 })
    // The probe, then the artifact and the change script together.
    #expect(report.recaps.map(\.roundTrips) == [2, 2])
  }
}
