import Basics
import ClusterMgrTesting
import Foundation
import Testing

/// Every way tailscaled can fail `discover`: a clear message, exit status 3, never a crash.
@Suite(.serialized, .lab("t-discfail", hosts: ["lab-cp1"]))
struct DiscoverFailureTests {
  /// Runs `discover` in emulator `mode`, expects exit status 3 and returns standard error.
  private func failure(
    mode: String, _ arguments: [String] = [], sourceLocation: SourceLocation = #_sourceLocation
  ) throws -> String {
    let lab = try LabInstance.required()
    try lab.setTailscaleMode(mode)
    defer { try? lab.setTailscaleMode("running") }
    let result = try DiscoverRun(lab: lab).run(arguments)
    #expect(result.status == ExitStatus.environment, "\(mode)", sourceLocation: sourceLocation)
    #expect(result.stdout.isEmpty, "\(mode)", sourceLocation: sourceLocation)
    #expect(result.stderr.hasPrefix("error: "), "\(mode)", sourceLocation: sourceLocation)
    #expect(result.stderr.contains("\n  fix: "), "\(mode)", sourceLocation: sourceLocation)
    return result.stderr
  }

  @Test func stoppedSaysThePeerListIsStaleAndShowsNoPeer() throws {
    let stderr = try failure(mode: "stopped")
    #expect(
      stderr == """
        error: Tailscale is stopped on this machine; the 3 peers tailscaled still lists are \
        from before it stopped (stale), so none are shown.
          fix: Run `sudo tailscale up`, then retry.

        """)
  }

  @Test func needsLoginGivesTheLoginURL() throws {
    let stderr = try failure(mode: "needslogin")
    #expect(stderr.hasPrefix("error: Tailscale is logged out on this machine (NeedsLogin).\n"))
    #expect(stderr.contains("\nLog in at: https://login.tailscale.com/a/"))
    #expect(stderr.hasSuffix("  fix: Run `sudo tailscale up` and log in, then retry.\n"))
  }

  @Test func needsMachineAuth() throws {
    #expect(
      try failure(mode: "needsmachineauth").hasPrefix(
        "error: This machine is not yet approved by the tailnet admin (NeedsMachineAuth).\n"))
  }

  @Test func theFixturesStatesThroughTheBinary() throws {
    let stopped = try failure(mode: "fixture:" + DiscoverRun.fixture("status-stopped.json"))
    #expect(stopped.contains("the 7 peers tailscaled still lists are from before it stopped"))
    let login = try failure(mode: "fixture:" + DiscoverRun.fixture("status-needslogin.json"))
    #expect(login.contains("\nLog in at: https://login.tailscale.com/a/5e2c4a91f07b3d\n"))

    let lab = try LabInstance.required()
    try lab.setTailscaleMode("fixture:" + DiscoverRun.fixture("status-homelab.json"))
    defer { try? lab.setTailscaleMode("running") }
    let homelab = try DiscoverRun(lab: lab).run(["--no-cluster-status", "--tag", "k8s"])
    #expect(homelab.status == 0, "\(homelab.stderr)")
    let row = try #require(
      homelab.stdout.split(separator: "\n").first { $0.hasPrefix("k8s-cp-01 ") })
    #expect(
      row.split(separator: " ") == [
        "k8s-cp-01", "100.88.21.5", "k8s-cp-01.tailnet-name.ts.net", "linux", "online", "tag:k8s",
      ])
    #expect(homelab.stdout.hasSuffix("1 peer, 1 online\n"))
  }

  @Test func forbidden() throws {
    #expect(
      try failure(mode: "forbidden").hasPrefix(
        "error: tailscaled refused read access: status access denied.\n"))
  }

  @Test func unauthorized() throws {
    #expect(
      try failure(mode: "unauthorized").contains("asked for authentication (401 auth required)"))
  }

  @Test func truncatedJSON() throws {
    #expect(
      try failure(mode: "garbage").contains(
        "error: tailscaled's status reply could not be read: the "))
  }

  @Test func aConnectionClosedWithoutAReply() throws {
    #expect(try failure(mode: "eof").contains("closed the connection without replying."))
  }

  @Test func aDaemonThatNeverAnswers() throws {
    let start = Date()
    let stderr = try failure(mode: "hang", ["--timeout", "1"])
    #expect(stderr.contains("did not reply within 1 s; it may still be starting."))
    #expect(Date().timeIntervalSince(start) < 10)
  }

  @Test func aReplyAfterTheTimeout() throws {
    let lab = try LabInstance.required()
    let discover = DiscoverRun(lab: lab)
    try discover.writeEmulatorMode("slow:3")
    defer { try? lab.setTailscaleMode("running") }
    let late = try discover.run(["--timeout", "1"])
    #expect(late.status == ExitStatus.environment)
    #expect(late.stderr.contains("did not reply within 1 s"))
    let patient = try discover.run(["--timeout", "6", "--no-cluster-status"])
    #expect(patient.status == 0, "\(patient.stderr)")
  }

  @Test func noSocket() throws {
    let lab = try LabInstance.required()
    let directory = try DiscoverRun.temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let result = try DiscoverRun(lab: lab).run(["--socket", directory + "/none.sock"])
    #expect(result.status == ExitStatus.environment)
    #expect(
      result.stderr == """
        error: Can't reach tailscaled: there is no socket at \(directory)/none.sock (given with --socket).
          fix: Check the path, or leave out --socket to use the default location.

        """)
    let fromEnvironment = try DiscoverRun(lab: lab).run(
      [], environment: ["CLUSTER_MGR_TAILSCALE_SOCKET": directory + "/none.sock"])
    #expect(fromEnvironment.status == ExitStatus.environment)
    #expect(fromEnvironment.stderr.contains("(from CLUSTER_MGR_TAILSCALE_SOCKET)"))
  }

  @Test func aSocketThatRefuses() throws {
    let lab = try LabInstance.required()
    let directory = try DiscoverRun.temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let path = directory + "/stale.sock"
    // A socket file nobody listens on: what a crashed tailscaled leaves behind.
    let bound = try ProcessRunner.run([
      "python3", "-c", "import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])", path,
    ])
    try #require(bound.status == 0, "\(bound.stderr)")
    let result = try DiscoverRun(lab: lab).run(["--socket", path])
    #expect(result.status == ExitStatus.environment)
    #expect(
      result.stderr.hasPrefix(
        "error: tailscaled is not accepting connections on \(path) (a stale socket: the daemon is not running).\n"
      ))
  }

  @Test func aBadTimeoutIsAUsageError() throws {
    let result = try DiscoverRun(lab: try LabInstance.required()).run(["--timeout", "0"])
    #expect(result.status == 2)
    #expect(result.stderr.contains("--timeout must be between 0 and 600 seconds."))
  }
}
