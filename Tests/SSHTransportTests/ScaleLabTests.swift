import ClusterMgrTesting
import Foundation
import SSHTransport
import Testing

/// Many hosts at once, and hosts failing under a running command.
@Suite(.serialized, .lab("t-ssh20", hosts: (1...20).map { String(format: "lab-n%02d", $0) }))
struct ScaleLabTests {
  @Test func twentyHostsRunFiftySequentialCommandsEachInParallel() async throws {
    let lab = try LabInstance.required()
    let sessions = SSHSessions(options: lab.sshOptions(), forks: 20)
    let targets = lab.hosts.map { lab.target($0.name) }
    let started = ContinuousClock.now
    let results = await sessions.forEach(targets) { target, connection in
      for index in 0..<50 {
        let result = try await connection.execute(.script("echo \(target.name) \(index)"))
        guard result.stdoutText == "\(target.name) \(index)\n" else {
          throw ScaleFailure(detail: "\(target.name) #\(index): \(result.stdoutText)")
        }
      }
      return await connection.roundTrips
    }
    let elapsed = started.duration(to: .now)
    for (target, result) in zip(targets, results) {
      switch result {
      case .success(let roundTrips): #expect(roundTrips == 50, "\(target.name)")
      case .failure(let error): Issue.record("\(target.name): \(error)")
      }
    }
    #expect(await sessions.roundTrips().count == 20)
    #expect(elapsed < .seconds(60), "1000 commands took \(elapsed)")
    await sessions.closeAll()
  }

  @Test func sshdKilledMidCommandMakesThatHostUnreachableAndTheOthersFinish() async throws {
    let lab = try LabInstance.required()
    let names = ["lab-n01", "lab-n02", "lab-n03", "lab-n04", "lab-n05"]
    let sessions = SSHSessions(options: lab.sshOptions(), forks: 5)
    let targets = names.map { lab.target($0) }
    // lab-n03's command would run for 60 s; sshd is killed long before it ends.
    async let outcomes = sessions.forEach(targets) { target, connection in
      let seconds = target.name == "lab-n03" ? 60 : 3
      return try await connection.executeChecked(
        .script("sleep \(seconds); echo done", step: "long step")
      ).stdoutText
    }
    // Once the command runs on lab-n03, kill every sshd there (listener and sessions).
    var running = false
    for _ in 0..<200 where !running {
      running = try lab.exec("lab-n03", "pgrep -f '^sleep 60$'").status == 0
      if !running { try await Task.sleep(for: .milliseconds(50)) }
    }
    try #require(running, "the command never started on lab-n03")
    try #require(try lab.exec("lab-n03", "pkill -KILL -x sshd").status == 0)
    let results = await outcomes
    defer { _ = try? lab.exec("lab-n03", "systemctl restart ssh") }
    for (name, result) in zip(names, results) {
      switch (name, result) {
      case ("lab-n03", .failure(let error as SSHError)):
        #expect(error.kind == .unreachable)
        #expect(error.host == "lab-n03")
        #expect(error.step == "long step")
        #expect(error.reason.contains("was lost while running the command"))
      case ("lab-n03", let other):
        Issue.record("lab-n03 should be unreachable, got \(other)")
      case (_, .success(let output)):
        #expect(output == "done\n", "\(name)")
      case (_, .failure(let error)):
        Issue.record("\(name) failed: \(error)")
      }
    }
    // The broken connection says so at once instead of trying again.
    let broken = try await sessions.connection(to: lab.target("lab-n03"))
    let again = await expectSSHError { _ = try await broken.execute(.script("true", step: "next")) }
    #expect(again?.kind == .unreachable)
    #expect(again?.reason.contains("lost while running long step") == true)
  }

  @Test func keepaliveNoticesAHostThatWentSilent() async throws {
    let lab = try LabInstance.required()
    var options = lab.sshOptions()
    options.keepaliveInterval = .seconds(2)
    let connection = try await lab.connect("lab-n04", options: options)
    try #require(try lab.exec("lab-n04", "iptables -I INPUT -p tcp --dport 22 -j DROP").status == 0)
    defer { _ = try? lab.exec("lab-n04", "iptables -D INPUT -p tcp --dport 22 -j DROP") }
    // Idle long enough for unanswered keepalives to time the connection out (3 intervals).
    // Without keepalives nothing would be in flight while idle, and the next command would
    // wait out TCP_USER_TIMEOUT (6 s) or the channel request (10 s) instead of failing at once.
    try await Task.sleep(for: .seconds(10))
    let started = ContinuousClock.now
    let error = await expectSSHError {
      _ = try await connection.execute(
        .script("true", timeout: .seconds(60), step: "after silence"))
    }
    #expect(error?.kind == .unreachable)
    // Either the keepalive tick or this command's first write met the dead socket first.
    let reason = error?.reason ?? ""
    #expect(
      reason.contains("the host stopped answering") || reason.contains("was lost"), "\(reason)")
    #expect(started.duration(to: .now) < .seconds(3))
  }
}

struct ScaleFailure: Error, CustomStringConvertible {
  let detail: String
  var description: String { detail }
}
