import ClusterMgrTesting
import Foundation
import Testing

/// The lab itself: real Debian hosts with systemd, sshd and a tailscale0 interface.
@Suite(.serialized, .lab("t-lab", hosts: ["lab-cp1", "lab-w1", "lab-w2"]))
struct LabTests {
  @Test func everyHostBootsSystemdAndAnswersOverSSH() throws {
    let lab = try LabInstance.required()
    #expect(lab.hosts.count == 3)
    for host in lab.hosts {
      let result = try ProcessRunner.run([
        "ssh", "-i", lab.keyPath, "-o", "UserKnownHostsFile=\(lab.knownHostsPath)",
        "-o", "StrictHostKeyChecking=yes", "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes",
        "\(lab.user)@\(host.address)",
        "hostname; sudo -n systemctl is-system-running; ip -br addr show tailscale0",
      ])
      #expect(result.status == 0, "\(host.name): \(result.stderr)")
      let lines = result.stdout.split(separator: "\n").map(String.init)
      #expect(lines.first == host.name)
      #expect(lines.dropFirst().first == "running")
      #expect(result.stdout.contains("tailscale0"))
      #expect(result.stdout.contains(host.address + "/10"))
    }
  }

  @Test func hostsDoNotSeeEachOthersWrites() throws {
    let lab = try LabInstance.required()
    try lab.exec("lab-w1", "echo mine > /etc/only-on-w1")
    #expect(try lab.exec("lab-w1", "cat /etc/only-on-w1").stdout == "mine\n")
    #expect(try lab.exec("lab-w2", "test -e /etc/only-on-w1").status != 0)
  }

  @Test func passwordUserNeedsTheSudoPassword() throws {
    let lab = try LabInstance.required()
    let host = lab.host("lab-cp1")
    let ssh = [
      "ssh", "-i", lab.keyPath, "-o", "UserKnownHostsFile=\(lab.knownHostsPath)",
      "-o", "BatchMode=yes", "\(lab.passwordUser)@\(host.address)",
    ]
    let without = try ProcessRunner.run(ssh + ["sudo -n true"])
    #expect(without.status != 0)
    #expect(without.stderr.contains("password is required"))
    let with = try ProcessRunner.run(
      ssh + ["sudo -S -p '' id -u"], input: lab.sudoPassword + "\n")
    #expect(with.stdout == "0\n")
  }

  @Test func localAPIEmulatorListsTheLabHosts() throws {
    let lab = try LabInstance.required()
    let ok = try ProcessRunner.run([
      "curl", "-s", "--unix-socket", lab.socketPath,
      "http://local-tailscaled.sock/localapi/v0/status",
    ])
    let status = try JSONSerialization.jsonObject(with: Data(ok.stdout.utf8)) as? [String: Any]
    let peers = (status?["Peer"] as? [String: [String: Any]])?.values ?? [:].values
    let byName = Dictionary(
      uniqueKeysWithValues: peers.map { ($0["HostName"] as? String ?? "", $0) })
    for host in lab.hosts {
      let ips = byName[host.name]?["TailscaleIPs"] as? [String]
      #expect(ips?.first == host.address)
      #expect((byName[host.name]?["sshHostKeys"] as? [String])?.count == 3)
    }
    let forbidden = try ProcessRunner.run([
      "curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--unix-socket", lab.socketPath,
      "-H", "Host: example.com", "http://local-tailscaled.sock/localapi/v0/status",
    ])
    #expect(forbidden.stdout == "403")
  }

  @Test func aStoppedHostGoesOfflineInTheTailnetAndComesBack() throws {
    let lab = try LabInstance.required()
    try lab.stop("lab-w2")
    let status = try ProcessRunner.run([
      "curl", "-s", "--unix-socket", lab.socketPath,
      "http://local-tailscaled.sock/localapi/v0/status",
    ])
    #expect(status.stdout.contains("\"HostName\": \"lab-w2\""))
    let json = try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any]
    let peers = (json?["Peer"] as? [String: [String: Any]]) ?? [:]
    let w2 = peers.values.first { $0["HostName"] as? String == "lab-w2" }
    #expect(w2?["Online"] as? Bool == false)
    try lab.start("lab-w2")
    #expect(try lab.exec("lab-w2", "systemctl is-system-running").stdout == "running\n")
  }
}
