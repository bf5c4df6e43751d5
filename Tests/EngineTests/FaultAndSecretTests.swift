import Basics
import ClusterMgrTesting
import Engine
import Foundation
import Testing

/// sshd killed on one host in the middle of a run: that host is unreachable (with the step),
/// the others finish.
@Suite(.serialized, .lab("t-engfault", hosts: ["lab-w1", "lab-w2", "lab-w3"]))
struct EngineFaultTests {
  @Test func sshdKilledMidRunMakesOnlyThatHostUnreachable() async throws {
    let lab = try LabInstance.required()
    let engine = EngineHarness(sessions: TestSessions.provider(for: lab))
    let marker = UUID().uuidString
    let role = Role("slow") { _ in
      [
        TaskSpec("marker", ManagedFile("/etc/cm-fault-marker", content: .text(marker))),
        TaskSpec("slow step", RunCommand("sleep 4; echo done")),
      ]
    }
    async let report = engine.run([role], on: ["lab-w1", "lab-w2", "lab-w3"])
    // Kill sshd once lab-w2 is in its slow step (its change script wrote this run's marker),
    // however long a loaded machine takes to get there.
    for _ in 0..<200 {
      if try lab.exec("lab-w2", "cat /etc/cm-fault-marker 2>/dev/null").stdout == marker { break }
      try await Task.sleep(for: .milliseconds(100))
    }
    try lab.exec("lab-w2", "pkill -KILL sshd")
    let result = await report
    let byHost = Dictionary(uniqueKeysWithValues: result.recaps.map { ($0.host, $0) })
    #expect(byHost["lab-w2"]?.unreachable == 1)
    #expect(byHost["lab-w1"]?.failed == 0 && byHost["lab-w1"]?.unreachable == 0)
    #expect(byHost["lab-w3"]?.failed == 0 && byHost["lab-w3"]?.unreachable == 0)
    let w2 = result.results.filter { $0.host == "lab-w2" }
    #expect(w2.allSatisfy { $0.status == .unreachable })
    #expect(w2.first?.summary.contains("connection lost while applying") == true)
    #expect(try lab.exec("lab-w1", "test -s /etc/cm-fault-marker").status == 0)
    try lab.exec("lab-w2", "systemctl restart ssh")
  }
}
