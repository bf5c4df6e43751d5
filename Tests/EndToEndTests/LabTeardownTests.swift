import ClusterMgrTesting
import Foundation
import Testing

/// `scripts/lab down` leaves no namespace, mount, bridge or process of the lab behind, for
/// booted hosts and for light ones (sshd alone, the bench's 100-host kind).
@Suite struct LabTeardownTests {
  @Test func downLeavesNothingBehind() throws {
    let lab = try LabInstance.up(name: "t-down", hosts: ["lab-cp1", "lab-w1"])
    let running = try ProcessRunner.run(["pgrep", "-f", lab.directory + "/hosts/lab-cp1/root"])
    #expect(running.status == 0)
    try downLeavesNothing(lab)
  }

  @Test func lightHostsRunSSHDAloneAnswerSudoAndGoDownClean() throws {
    let lab = try LabInstance.up(name: "t-light", hosts: ["b01", "b02"], light: true)
    for host in lab.hosts {
      let result = try ProcessRunner.run([
        "ssh", "-i", lab.keyPath, "-o", "UserKnownHostsFile=\(lab.knownHostsPath)",
        "-o", "StrictHostKeyChecking=yes", "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes",
        "\(lab.user)@\(host.address)",
        "hostname; sudo -n id -u; cat /proc/1/comm; ps -e -o comm= | sort -u | tr '\\n' ' '; echo; "
          + "test -d /run/systemd/system && echo systemd || echo no-systemd",
      ])
      #expect(result.status == 0, "\(host.name): \(result.stderr)")
      let lines = result.stdout.split(separator: "\n").map(String.init)
      #expect(lines.count == 5, "\(result.stdout)")
      guard lines.count == 5 else { continue }
      #expect(lines[0] == host.name)
      #expect(lines[1] == "0")
      #expect(lines[2] == "(sd-stubinit)")
      #expect(!lines[3].contains("systemd"), "processes: \(lines[3])")
      #expect(lines[4] == "no-systemd")
    }
    // The lab's own access (nsenter) works on a host without systemd too.
    #expect(
      try lab.exec("b01", "echo mine > /etc/only-on-b01; cat /etc/only-on-b01").stdout == "mine\n")
    #expect(try lab.exec("b02", "test -e /etc/only-on-b01").status != 0)
    try downLeavesNothing(lab)
  }

  private func downLeavesNothing(_ lab: LabInstance) throws {
    try lab.down()
    let namespaces = try ProcessRunner.run(["ip", "netns", "list"]).stdout
    let prefix = String(lab.bridgeName.dropLast(2)) + "-"  // cml<index>-<host>
    #expect(!namespaces.contains(prefix), "namespaces left: \(namespaces)")
    let mounts = try String(contentsOfFile: "/proc/self/mounts", encoding: .utf8)
    #expect(!mounts.contains(lab.directory))
    #expect(!FileManager.default.fileExists(atPath: lab.directory))
    let processes = try ProcessRunner.run(["pgrep", "-af", lab.directory]).stdout
    #expect(processes.isEmpty, "left running: \(processes)")
    let links = try ProcessRunner.run(["ip", "-br", "link"]).stdout
    #expect(!links.contains(lab.bridgeName))
  }
}
