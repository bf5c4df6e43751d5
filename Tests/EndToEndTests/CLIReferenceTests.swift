import ClusterMgrTesting
import Foundation
import Testing

/// The CLI reference lists every command and option the binary has; help and completions work.
@Suite struct CLIReferenceTests {
  @Test func docsCliMdMatchesTheBinary() throws {
    let result = try ProcessRunner.run([
      Repository.root.appendingPathComponent("scripts/gen-cli-docs").path, "--check",
      Repository.clusterMgrBinary,
    ])
    #expect(result.status == 0, "\(result.stderr)")
  }

  @Test(arguments: ["bash", "zsh", "fish"])
  func completionScripts(shell: String) throws {
    let result = try ProcessRunner.run([
      Repository.clusterMgrBinary, "--generate-completion-script", shell,
    ])
    #expect(result.status == 0)
    #expect(result.stdout.contains("provision"))
  }

  @Test func versionNamesTheCLibraries() throws {
    let result = try ProcessRunner.run([Repository.clusterMgrBinary, "version"])
    #expect(result.status == 0)
    #expect(result.stdout.contains("libssh2 1."))
    #expect(result.stdout.contains("libcurl "))
  }

  @Test func usageErrorsExitWithStatus2() throws {
    let result = try ProcessRunner.run([
      Repository.clusterMgrBinary, "provision", "--forks", "many",
    ])
    #expect(result.status == 2)
    #expect(result.stderr.contains("forks"))
  }

  @Test func listTagsAndTasksNeedNoHost() throws {
    let inventory = Repository.root.appendingPathComponent("inventory/gpu-workstation.yml").path
    let env = ["CLUSTER_MGR_TAILSCALE_SOCKET": "/nonexistent/socket"]
    let tags = try ProcessRunner.run(
      [Repository.clusterMgrBinary, "provision", "-i", inventory, "--list-tags"], environment: env)
    #expect(tags.status == 0, "\(tags.stderr)")
    for tag in ["k3s", "gpu", "prerequisites", "tailscale", "node_config"] {
      #expect(tags.stdout.contains(tag), "tag \(tag)")
    }
    let tasks = try ProcessRunner.run(
      [Repository.clusterMgrBinary, "provision", "-i", inventory, "--list-tasks", "--tags", "gpu"],
      environment: env)
    #expect(tasks.status == 0, "\(tasks.stderr)")
    #expect(tasks.stdout.contains("nvidia-container-toolkit"))
    #expect(!tasks.stdout.contains("k3s config\u{20}"))
  }
}
