import ClusterMgrTesting
import Foundation
import Testing

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The locks and Ctrl-C with the real binary on a lab cluster (a server and a worker): two
/// provisions of one cluster never interleave, a stale cluster lock is named and removed only
/// with --force-unlock, and SIGINT during a provision finishes the running step and nothing else.
@Suite(.serialized, .lab("rel-lock", hosts: ["lab-cp1", "lab-w1"]))
struct ClusterLockLabTests {
  @Test func twoProvisionsOfOneClusterNeverInterleave() async throws {
    let lab = try LabInstance.required()
    let workstation = try NodesRun(lab: lab)
    let other = try NodesRun(lab: lab)  // a second workstation: its own state directory
    defer {
      workstation.cleanUp()
      other.cleanUp()
    }
    // The first provision's change script on lab-cp1 takes 10 s more (setting the forwarding
    // sysctls of a fresh host), so that it surely still runs while the others try.
    try lab.exec("lab-cp1", "sysctl -q -w net.ipv4.ip_forward=0")
    try workstation.plantStandIn("sysctl", "case \"$*\" in *-w*) sleep 10 ;; esac")
    defer { workstation.removeStandIn("sysctl") }
    let first = try workstation.startProvision()
    let holdsLock = try await first.wait(for: .seconds(120), every: .milliseconds(200)) {
      try workstation.clusterLock()?.contains("pid=\(first.pid)\n") == true
    }
    try #require(holdsLock, "the first provision never took the cluster lock: \(first.stderr)")

    // The same workstation: the local lock, after a brief wait, names the first command.
    let started = ContinuousClock.now
    let local = try workstation.run(try NodesRun.provisionArguments())
    #expect(local.status == 1)
    #expect(
      local.stderr.contains("another cluster-mgr command on this machine works on cluster rel-lock")
    )
    #expect(local.stderr.contains("pid \(first.pid), user "))
    #expect(local.stderr.contains("cluster-mgr provision --artifacts"))
    #expect(NodesRun.events(local.stdout).taskEvents.isEmpty, "the refused run did something")
    #expect(started.duration(to: .now) < .seconds(30))

    // Another workstation: the cluster lock names the first command and its owner.
    let remote = try other.run(try NodesRun.provisionArguments())
    #expect(remote.status == 1)
    #expect(remote.stderr.contains("cluster rel-lock is locked by another cluster-mgr command"))
    #expect(remote.stderr.contains("(pid \(first.pid))"))
    #expect(remote.stderr.contains("/var/lib/cluster-mgr/lock on lab-cp1"))
    #expect(NodesRun.events(remote.stdout).taskEvents.isEmpty, "the refused run did something")
    #expect(first.isRunning, "the refusals came after the first run ended: nothing was tested")

    let result = await first.finish()
    #expect(result.status == 0, "the first provision failed: \(result.stderr)")
    #expect(try workstation.clusterLock() == nil, "the lock was left behind")
    #expect(try workstation.lastOutcome(of: "provision") == "succeeded")
    #expect(try other.lastOutcome(of: "provision") == nil, "a refused run was recorded")
  }

  @Test func aStaleLockIsNamedAndOnlyForceUnlockRemovesIt() async throws {
    let lab = try LabInstance.required()
    let nodes = try NodesRun(lab: lab)
    defer { nodes.cleanUp() }
    let stale = """
      # cluster-mgr lock: held while a cluster-mgr command changes this cluster
      user=alice
      machine=old-laptop
      pid=4242
      command=cluster-mgr provision --limit lab-w1
      started=2026-01-01T00:00:00Z
      token=0000

      """
    try lab.exec(
      "lab-cp1",
      "mkdir -p -m 700 /var/lib/cluster-mgr && printf '%s' \(NodesRun.quote(stale)) > /var/lib/cluster-mgr/lock"
        + " && touch -d '5 hours ago' /var/lib/cluster-mgr/lock")
    defer { _ = try? lab.exec("lab-cp1", "rm -f /var/lib/cluster-mgr/lock") }

    let refused = try nodes.run(try NodesRun.provisionArguments())
    #expect(refused.status == 1)
    #expect(refused.stderr.contains("alice@old-laptop (pid 4242), since 2026-01-01T00:00:00Z"))
    #expect(refused.stderr.contains("looks stale: it was taken 5 h 0 min ago"))
    #expect(refused.stderr.contains("--force-unlock"))
    // A dry run only looks, and does not read a cluster that is being changed either.
    let check = try nodes.run(try NodesRun.provisionArguments(["--check"]))
    #expect(check.status == 1)
    #expect(check.stderr.contains("alice@old-laptop (pid 4242)"))
    // remove-node takes the same lock.
    let remove = try nodes.run(["remove-node", "lab-w1", "--force"])
    #expect(remove.status == 1)
    #expect(remove.stderr.contains("alice@old-laptop (pid 4242)"))
    #expect(try nodes.clusterLock() == stale, "a refused command touched the lock")

    let forced = try nodes.run(try NodesRun.provisionArguments(["--force-unlock"]))
    #expect(forced.status == 0, "provision --force-unlock failed: \(forced.stderr)")
    let warnings = NodesRun.events(forced.stdout).filter { $0["event"] as? String == "warning" }
      .compactMap { $0["message"] as? String }
    #expect(
      warnings.contains {
        $0.hasPrefix(
          "--force-unlock: removed the cluster lock on lab-cp1 held by alice@old-laptop (pid 4242)")
      }, "\(warnings)")
    #expect(try nodes.clusterLock() == nil)
  }

  @Test func ctrlCDuringAProvisionFinishesTheRunningStepAndNothingElse() async throws {
    let lab = try LabInstance.required()
    let nodes = try NodesRun(lab: lab)
    defer { nodes.cleanUp() }
    try nodes.provision()
    // Both hosts have a change waiting in the first play; lab-cp1's change script is slow.
    let sysctlFile = "/etc/sysctl.d/90-cluster-mgr-k3s.conf"
    for host in ["lab-cp1", "lab-w1"] {
      try lab.exec(host, "rm -f \(sysctlFile) && sysctl -q -w net.ipv4.ip_forward=0")
    }
    try nodes.plantStandIn(
      "sysctl", "case \"$*\" in *-w*) sleep 6 ;; esac")
    defer { nodes.removeStandIn("sysctl") }

    let provision = try nodes.startProvision(["--forks", "1"])
    let applying = await provision.wait(for: .seconds(180)) {
      NodesRun.events(provision.stdout).contains {
        $0["event"] as? String == "host_phase" && $0["host"] as? String == "lab-cp1"
          && ($0["phase"] as? String)?.hasSuffix("apply") == true
      }
    }
    try #require(applying, "lab-cp1 never reached its change script: \(provision.stderr)")
    provision.send(SIGINT)
    let result = await provision.finish()
    #expect(result.status == 130, "\(result.stderr)")
    #expect(result.stderr.contains("SIGINT received: no new host, play or step starts"))

    let events = NodesRun.events(result.stdout)
    // The running change script finished: every task of lab-cp1's play is done, none failed.
    let cp1 = events.taskEvents.filter { $0["host"] as? String == "lab-cp1" }
    #expect(!cp1.isEmpty)
    #expect(!cp1.contains { ["failed", "skipped"].contains($0["status"] as? String) })
    #expect(try lab.exec("lab-cp1", "test -f \(sysctlFile)").status == 0)
    #expect(try lab.exec("lab-cp1", "cat /proc/sys/net/ipv4/ip_forward").stdout == "1\n")
    // Nothing else started: lab-w1 untouched, no later play.
    let w1 = events.taskEvents.filter { $0["host"] as? String == "lab-w1" }
    #expect(w1.map { $0["summary"] as? String } == ["not started: interrupted (SIGINT)"])
    #expect(try lab.exec("lab-w1", "test -e \(sysctlFile)").status != 0)
    let plays = events.filter { $0["event"] as? String == "play_started" }.compactMap {
      $0["play"] as? String
    }
    #expect(plays == ["prepare hosts"])
    let finished = events.first { $0["event"] as? String == "run_finished" }
    #expect(finished?["interrupted"] as? Bool == true)
    #expect(finished?["succeeded"] as? Bool == false)
    #expect(try nodes.lastOutcome(of: "provision") == "interrupted")
    #expect(try nodes.clusterLock() == nil, "the interrupted run left its lock")

    // The next run converges.
    nodes.removeStandIn("sysctl")
    try nodes.provision()
    #expect(try lab.exec("lab-w1", "test -f \(sysctlFile)").status == 0)
  }
}
