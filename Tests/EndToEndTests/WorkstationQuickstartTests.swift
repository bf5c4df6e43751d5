import ClusterMgrTesting
import Foundation
import Testing

/// docs/quickstart.md, walked the way a user walks it: the `.deb` that scripts/package builds,
/// installed with apt on a clean Debian 12 workstation of the lab (no Swift, no checkout), then
/// every command of the doc's blocks run in order as `alice` — her own key in an ssh-agent, a
/// `~/.kube/config` with another cluster in it, the tailnet through the workstation's own
/// tailscaled — from `~/homelab`, against machines that download K3s from GitHub's release
/// URLs (the lab's mirror answers for github.com). Then tampered downloads are refused.
@Suite(.serialized, .lab("t-quick", hosts: ["nuc", "desktop", "laptop"], workstations: ["ws1"]))
struct WorkstationQuickstartTests {
  static let workstation = "ws1"
  static let user = "alice"

  @Test func theQuickstartWorksAsWritten() throws {
    let lab = try LabInstance.required()
    let package = try ReleasePackage.build()
    try Self.prepareWorkstation(lab, package: package)
    let script = try QuickstartScript.load()
    #expect(script.commands.count >= 12, "\(script.commands)")
    var initInventory: String?
    for command in script.commands {
      let result = try Self.asAlice(lab, command.line)
      #expect(
        result.status == command.expectedStatus,
        "`\(command.line)` exited \(result.status), the doc says \(command.expectedStatus):\n\(result.stdout)\(result.stderr)"
      )
      try Self.check(command.line, result, lab: lab, package: package)
      if command.line.hasPrefix("cluster-mgr init") {
        initInventory = try Self.asAlice(lab, "cat inventory/hosts.yml").stdout
      }
      if command.line == "cluster-mgr provision" {
        // provision used the inventory init wrote, unchanged.
        #expect(try Self.asAlice(lab, "cat inventory/hosts.yml").stdout == initInventory)
      }
    }
    try Self.checkKubeconfig(lab)
  }

  /// What each command of the doc must have done, beyond its exit status.
  static func check(
    _ line: String, _ result: ProcessResult, lab: LabInstance, package: ReleasePackage
  ) throws {
    let output = result.stdout + result.stderr
    switch line {
    case "cluster-mgr version":
      #expect(result.stdout.hasPrefix("cluster-mgr \(package.version)\n"), "\(output)")
      let installed = try lab.exec(workstation, "dpkg -L cluster-mgr").stdout
      #expect(installed.contains("/usr/bin/cluster-mgr\n"), "\(installed)")
      #expect(!installed.contains("roles"), "no roles/ directory is installed")
      #expect(try asAlice(lab, "command -v swift").status != 0, "no Swift toolchain")
      #expect(try asAlice(lab, "command -v cluster-mgr").stdout == "/usr/bin/cluster-mgr\n")
    case "cluster-mgr discover --online-only":
      for host in ["nuc", "desktop", "laptop"] { #expect(output.contains(host), "\(output)") }
    case let initLine where initLine.hasPrefix("cluster-mgr init"):
      let inventory = try asAlice(lab, "cat inventory/hosts.yml").stdout
      for host in ["nuc", "desktop"] {
        #expect(inventory.contains("\(host):\n"), "\(inventory)")
        #expect(inventory.contains("tailscale_ip: \(lab.host(host).address)"), "\(inventory)")
      }
      #expect(!inventory.contains("laptop"))
    case "cluster-mgr ping":
      for word in ["is not known", "SHA256:", "--accept-new", "Tailscale SSH"] {
        #expect(output.contains(word), "first contact names \(word): \(output)")
      }
    case "cluster-mgr provision --check --diff":
      #expect(
        try lab.exec("nuc", "test -e /usr/local/bin/k3s").status != 0, "--check installs nothing")
    case "cluster-mgr provision":
      // Every node downloaded K3s from GitHub's release URL (the lab's mirror answered).
      let downloads = try lab.mirrorRequests().filter {
        $0.host == "github.com" && $0.path.hasSuffix("/k3s")
      }
      for host in ["nuc", "desktop"] {
        #expect(
          downloads.contains { $0.client == lab.host(host).address }, "\(host) downloaded K3s")
      }
    case "kubectl --context homelab get nodes":
      for host in ["nuc", "desktop"] {
        #expect(
          result.stdout.split(separator: "\n").contains {
            $0.hasPrefix(host + " ") && $0.contains(" Ready ")
          }, "\(result.stdout)")
      }
    case let add where add.hasPrefix("cluster-mgr add-node laptop"):
      #expect(try asAlice(lab, "cat inventory/hosts.yml").stdout.contains("laptop:"))
    case "cluster-mgr status":
      for host in ["nuc", "desktop", "laptop"] {
        #expect(result.stdout.contains(host), "\(output)")
      }
    case let remove where remove.hasPrefix("cluster-mgr remove-node laptop"):
      #expect(!(try asAlice(lab, "cat inventory/hosts.yml").stdout.contains("laptop")))
      #expect(try lab.exec("laptop", "test -e /usr/local/bin/k3s").status != 0, "K3s uninstalled")
      let nodes = try asAlice(lab, "kubectl --context homelab get nodes -o name").stdout
      #expect(!nodes.contains("laptop"), "\(nodes)")
    default:
      break
    }
  }

  /// alice's other cluster survived the merge, and the new context is beside it.
  static func checkKubeconfig(_ lab: LabInstance) throws {
    let contexts = try asAlice(lab, "kubectl config get-contexts -o name").stdout
    #expect(contexts.split(separator: "\n").contains("office"), "\(contexts)")
    #expect(contexts.split(separator: "\n").contains("homelab"), "\(contexts)")
    #expect(try asAlice(lab, "kubectl config current-context").stdout == "office\n")
    #expect(try asAlice(lab, "stat -c %a ~/.kube/config").stdout == "600\n")
  }

  /// A tampered K3s binary or Flux manifest on the mirror fails that host (or the Flux task)
  /// with both checksums named, and nothing is installed; restored, the same run succeeds.
  @Test func tamperedDownloadsAreRefusedBeforeAnythingIsInstalled() throws {
    let lab = try LabInstance.required()
    try Self.ensureQuickstartCluster(lab)
    let version = Workstation.defaultK3sVersion
    let tampered = try lab.tamperMirror("k3s/\(version)/k3s")
    defer { try? lab.restoreMirror() }
    try Self.asAlice(lab, "cluster-mgr add-node laptop --role worker")
    let refused = try Self.asAlice(lab, "cluster-mgr provision --limit laptop --accept-new")
    let output = refused.stdout + refused.stderr
    #expect(refused.status != 0)
    #expect(output.contains("has sha256 \(tampered.sha256)"), "\(output)")
    #expect(output.contains("lists \(tampered.originalSHA256)"), "\(output)")
    #expect(output.contains("nothing was installed"), "\(output)")
    #expect(try lab.exec("laptop", "test -e /usr/local/bin/k3s").status != 0)
    try lab.restoreMirror()
    let provisioned = try Self.asAlice(lab, "cluster-mgr provision --limit laptop")
    #expect(provisioned.status == 0, "\(provisioned.stdout)\(provisioned.stderr)")

    // Flux: its install manifest must have the sha256 cluster-mgr expects.
    let fluxVersion = Workstation.fluxVersion
    let manifest = try Data(
      contentsOf: URL(
        fileURLWithPath: try StandIn.artifacts(lab) + "/flux/\(fluxVersion)/install.yaml"))
    let expected = String(
      try ProcessRunner.run(["sha256sum"], inputData: manifest).stdout.prefix(64))
    for (key, value) in [
      ("git_repo_url", "https://github.com/example/homelab.git"), ("flux_install_sha256", expected),
    ] {
      #expect(try Self.asAlice(lab, "cluster-mgr config-set \(key) \(value)").status == 0)
    }
    let fluxTampered = try lab.tamperMirror("flux/\(fluxVersion)/install.yaml", appending: true)
    let fluxRefused = try Self.asAlice(lab, "cluster-mgr provision --tags flux")
    let fluxOutput = fluxRefused.stdout + fluxRefused.stderr
    #expect(fluxRefused.status != 0)
    #expect(fluxOutput.contains("has sha256 \(fluxTampered.sha256)"), "\(fluxOutput)")
    #expect(fluxOutput.contains("expects \(expected)"), "\(fluxOutput)")
    #expect(fluxOutput.contains("nothing was applied"), "\(fluxOutput)")
    let crds = try lab.exec("nuc", "k3s kubectl get crd -o name")
    #expect(!crds.stdout.contains("fluxcd.io"), "no Flux object was applied: \(crds.stdout)")
    try lab.restoreMirror()
    let fluxApplied = try Self.asAlice(lab, "cluster-mgr provision --tags flux")
    #expect(fluxApplied.status == 0, "\(fluxApplied.stdout)\(fluxApplied.stderr)")
  }

  // MARK: - The workstation

  /// alice's session: her agent (started once, at a fixed socket), in ~/homelab once it exists.
  @discardableResult
  static func asAlice(_ lab: LabInstance, _ command: String) throws -> ProcessResult {
    try lab.exec(
      workstation, as: user,
      "export SSH_AUTH_SOCK=\"$HOME/.ssh/agent.sock\"; cd ~/homelab 2>/dev/null || cd; \(command)")
  }

  /// What a user's workstation has before the quickstart: the downloaded .deb in the home
  /// directory, an ssh-agent holding the key, apt's package lists.
  static func prepareWorkstation(_ lab: LabInstance, package: ReleasePackage) throws {
    let home = "/home/\(user)"
    try lab.copy(
      package.deb.path, to: workstation, at: "\(home)/\(package.deb.lastPathComponent)",
      owner: user)
    let update = try lab.exec(workstation, "apt-get update -qq")
    try #require(update.status == 0, "apt-get update: \(update.stderr)")
    let agent = try lab.exec(
      workstation, as: user,
      "ssh-agent -a ~/.ssh/agent.sock >/dev/null && SSH_AUTH_SOCK=~/.ssh/agent.sock ssh-add -q ~/.ssh/id_ed25519"
    )
    try #require(agent.status == 0, "ssh-agent: \(agent.stderr)")
  }

  /// The cluster the quickstart leaves (nuc and desktop), made again if this test runs alone.
  static func ensureQuickstartCluster(_ lab: LabInstance) throws {
    if try asAlice(lab, "kubectl --context homelab get nodes -o name").status == 0 { return }
    try prepareWorkstation(lab, package: try ReleasePackage.build())
    for line in [
      "sudo apt-get install -y -qq ./cluster-mgr_*.deb", "mkdir -p ~/homelab",
      "cluster-mgr init --server nuc --worker desktop", "cluster-mgr provision --accept-new",
    ] {
      let result = try asAlice(lab, line)
      try #require(result.status == 0, "\(line): \(result.stdout)\(result.stderr)")
    }
  }
}
