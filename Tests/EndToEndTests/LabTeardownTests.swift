import ClusterMgrTesting
import Foundation
import Testing

/// `scripts/lab down` leaves no namespace, mount, bridge or process of the lab behind.
@Suite struct LabTeardownTests {
  @Test func downLeavesNothingBehind() throws {
    let lab = try LabInstance.up(name: "t-down", hosts: ["lab-cp1", "lab-w1"])
    let running = try ProcessRunner.run(["pgrep", "-f", lab.directory + "/hosts/lab-cp1/root"])
    #expect(running.status == 0)
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
