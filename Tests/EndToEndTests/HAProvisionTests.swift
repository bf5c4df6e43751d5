import ClusterMgrTesting
import Foundation
import Testing

/// Three servers (embedded etcd) and an agent: `cluster-init` on the first server, `server:` on
/// the others, one token everywhere; servers join and upgrade one at a time, agents after them.
@Suite(.serialized, .lab("t-ha", hosts: ["lab-cp1", "lab-cp2", "lab-cp3", "lab-w1"]))
struct HAProvisionTests {
  static func config(_ lab: LabInstance, _ host: String) throws -> String {
    try lab.exec(host, "cat /etc/rancher/k3s/config.yaml").stdout
  }

  /// The index of the first event about `host` in `play`.
  static func firstEvent(_ events: [[String: Any]], host: String, play: String) -> Int? {
    events.firstIndex { $0["host"] as? String == host && $0["play"] as? String == play }
  }

  /// The index of `host_finished` for `host` in `play`.
  static func finished(_ events: [[String: Any]], host: String, play: String) -> Int? {
    events.firstIndex {
      $0["event"] as? String == "host_finished" && $0["host"] as? String == host
        && $0["play"] as? String == play
    }
  }

  @Test func threeServersFormOneClusterWithOneTokenAndUpgradeOneAtATime() async throws {
    let lab = try LabInstance.required()
    let run = try ClusterMgrRun(lab: lab)
    let (result, events) = try run.provision()
    #expect(result.status == 0, "provision failed: \(result.stderr)")

    let first = try Self.config(lab, "lab-cp1")
    #expect(first.contains("cluster-init: true"))
    #expect(!first.contains("\nserver:"))
    let url = "server: \"https://\(lab.host("lab-cp1").address):6443\""
    for host in ["lab-cp2", "lab-cp3", "lab-w1"] {
      let text = try Self.config(lab, host)
      #expect(text.contains(url), "\(host) joins the first server")
      #expect(!text.contains("cluster-init"))
    }
    // One server token: the joining servers use the first server's own. The agent holds only
    // the agent token (K3s's `node` user), which cannot join a server.
    let token = try lab.exec("lab-cp1", "cat /var/lib/rancher/k3s/server/token").stdout
      .trimmingCharacters(in: .whitespacesAndNewlines)
    #expect(token.hasPrefix("K10"))
    for host in ["lab-cp2", "lab-cp3"] {
      #expect(try Self.config(lab, host).contains("token: \"\(token)\""))
    }
    let agentToken = try lab.exec("lab-cp1", "cat /var/lib/rancher/k3s/server/agent-token").stdout
      .trimmingCharacters(in: .whitespacesAndNewlines)
    #expect(agentToken.hasPrefix("K10") && agentToken.contains("::node:"))
    let agentConfig = try Self.config(lab, "lab-w1")
    #expect(agentConfig.contains("token: \"\(agentToken)\""))
    #expect(!agentConfig.contains(token), "the agent does not hold the server token")
    let password = try lab.exec("lab-cp1", "cat /var/lib/cluster-mgr/agent-token-password").stdout
      .trimmingCharacters(in: .whitespacesAndNewlines)
    for host in ["lab-cp1", "lab-cp2", "lab-cp3"] {
      #expect(try Self.config(lab, host).contains("agent-token: \"\(password)\""))
    }
    // The agent's token joins agents only: a server refuses it.
    let refused = try lab.exec(
      "lab-w1",
      "curl -sk -o /dev/null -w '%{http_code}' -X POST -d '{}' -u node:\(password) https://\(lab.host("lab-cp1").address):6443/v1-k3s/server-bootstrap"
    ).stdout
    #expect(
      refused == "401" || refused == "403",
      "the server bootstrap refuses the agent token: \(refused)")
    for host in ["lab-cp2", "lab-cp3"] {
      let own = try lab.exec(host, "cat /var/lib/rancher/k3s/server/token").stdout
        .trimmingCharacters(in: .whitespacesAndNewlines)
      #expect(own == token, "\(host) holds the same token")
    }
    let nodes = try run.kubectlJSON(["get", "nodes"])["items"] as? [[String: Any]] ?? []
    #expect(nodes.count == 4)
    let etcd = nodes.filter {
      (($0["metadata"] as? [String: Any])?["labels"] as? [String: String])?[
        "node-role.kubernetes.io/etcd"] == "true"
    }
    #expect(etcd.count == 3)
    // Joining servers go one at a time: cp2 finishes before cp3 starts.
    if let cp2Done = Self.finished(events, host: "lab-cp2", play: "joining servers"),
      let cp3Start = Self.firstEvent(events, host: "lab-cp3", play: "joining servers")
    {
      #expect(cp2Done < cp3Start)
    } else {
      Issue.record("no joining-servers events for lab-cp2/lab-cp3")
    }

    // Upgrade: servers one at a time, then the agent; the running versions change.
    let (upgrade, upgradeEvents) = try run.provision(["-e", "k3s_version=v1.31.5+k3s1"])
    #expect(upgrade.status == 0, "upgrade failed: \(upgrade.stderr)")
    let binaries = upgradeEvents.changedTasks.filter {
      ($0["task"] as? String)?.contains("binary") == true
    }
    #expect(
      binaries.compactMap { $0["host"] as? String } == ["lab-cp1", "lab-cp2", "lab-cp3", "lab-w1"])
    if let cp2Done = Self.finished(upgradeEvents, host: "lab-cp2", play: "joining servers"),
      let cp3Start = Self.firstEvent(upgradeEvents, host: "lab-cp3", play: "joining servers"),
      let cp3Done = Self.finished(upgradeEvents, host: "lab-cp3", play: "joining servers"),
      let agentStart = Self.firstEvent(upgradeEvents, host: "lab-w1", play: "agents")
    {
      #expect(cp2Done < cp3Start)
      #expect(cp3Done < agentStart)
    } else {
      Issue.record("missing upgrade events")
    }
    let upgraded = try run.kubectlJSON(["get", "nodes"])["items"] as? [[String: Any]] ?? []
    for node in upgraded {
      #expect(
        ((node["status"] as? [String: Any])?["nodeInfo"] as? [String: Any])?["kubeletVersion"]
          as? String == "v1.31.5+k3s1")
    }
  }
}
