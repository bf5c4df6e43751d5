import ClusterMgrTesting
import Foundation
import Testing

/// A Kubani-style inventory keeps the join token and the sudo password in Ansible Vault (encrypted
/// by the pinned `ansible-vault`): provision decrypts them, K3s gets the token, and neither appears
/// in any output, diff, JSON event or the run history.
///
/// Without the password, provision stops before touching a host and names the variable and its
/// position.
@Suite(.serialized, .lab("inv-vault", hosts: ["lab-cp1", "lab-w1"]))
struct VaultProvisionTests {
  static let token = "cm-Vaulted-Token-4e1d9a-MASKME"
  static let password = "sudo-Vaulted-Passw0rd-MASKME"

  @Test func aVaultedTokenProvisionsAndNeverLeavesTheHosts() async throws {
    let lab = try LabInstance.required()
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
      "inv-vault-\(UUID().uuidString.prefix(8))")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let passwordFile = directory.appendingPathComponent("vault-pass").path
    try "lab-vault-password\n".write(toFile: passwordFile, atomically: true, encoding: .utf8)
    let vaulted =
      try Self.encryptString(Self.token, name: "k3s_token", passwordFile: passwordFile)
      + Self.encryptString(
        Self.password, name: "ansible_become_password", passwordFile: passwordFile)
    let run = try ClusterMgrRun(lab: lab, freshState: true) { text in
      text.replacingOccurrences(of: "  children:\n", with: vaulted + "  children:\n")
    }
    let inventory = try String(contentsOfFile: run.inventoryPath, encoding: .utf8)
    #expect(inventory.contains("k3s_token: !vault |"))
    #expect(!inventory.contains(Self.token), "the inventory holds only ciphertext")
    let tokenLine =
      try #require(
        inventory.split(separator: "\n", omittingEmptySubsequences: false).firstIndex {
          $0.contains("k3s_token: !vault")
        }) + 1

    // Without a password nothing is touched: the error names the variable and its position.
    let locked = try run.run(["provision", "--artifacts", try ClusterMgrRun.artifacts()])
    #expect(locked.status == 2)
    #expect(
      locked.stderr.contains(
        "\(run.inventoryPath):\(tokenLine):5: k3s_token is encrypted with Ansible Vault and no "
          + "vault password was given"),
      "\(locked.stderr)")
    #expect(try lab.exec("lab-cp1", "test -e /etc/rancher/k3s/config.yaml").status != 0)

    var transcripts: [String] = []
    let check = try run.run([
      "provision", "--check", "--diff", "-v", "--artifacts", try ClusterMgrRun.artifacts(),
      "--vault-password-file", passwordFile,
    ])
    #expect(check.status == 0, "\(check.stderr)")
    transcripts += [check.stdout, check.stderr]
    let (real, events) = try run.provision(["--diff", "-vv", "--vault-password-file", passwordFile])
    #expect(real.status == 0, "\(real.stderr)")
    transcripts += [real.stdout, real.stderr]
    #expect(events.contains { ($0["diff"] as? String)?.contains("secret content changed") == true })
    // The password also comes from ANSIBLE_VAULT_PASSWORD_FILE; a second run changes nothing.
    let again = try ProcessRunner.run(
      [
        Repository.clusterMgrBinary, "provision", "--diff", "-vv", "--artifacts",
        try ClusterMgrRun.artifacts(),
      ], environment: run.environment.merging(["ANSIBLE_VAULT_PASSWORD_FILE": passwordFile]) { $1 })
    #expect(again.status == 0, "\(again.stderr)")
    transcripts += [again.stdout, again.stderr]
    let history = try run.run(["history", "show", "last", "--diff", "--output", "json"])
    transcripts += [history.stdout, history.stderr]
    let shown = try run.run([
      "config-get", "k3s_token", "--vault-password-file", passwordFile, "--output", "json",
    ])
    #expect(shown.stdout.contains("\"hidden\": true"), "\(shown.stdout)")
    transcripts += [shown.stdout, shown.stderr]
    let listed = try run.run(["inventory", "--list", "--vault-password-file", passwordFile])
    #expect(listed.stdout.contains("__ansible_vault"))
    transcripts += [listed.stdout, listed.stderr]

    for transcript in transcripts {
      #expect(!transcript.contains(Self.token))
      #expect(!transcript.contains(Self.password))
    }
    for suffix in ["", "-wal"] {
      let path = run.stateDirectory + "/history.sqlite" + suffix
      guard let data = FileManager.default.contents(atPath: path) else { continue }
      #expect(data.range(of: Data(Self.token.utf8)) == nil)
      #expect(data.range(of: Data(Self.password.utf8)) == nil)
    }
    // The decrypted token did reach the server: K3s uses it.
    #expect(try lab.exec("lab-cp1", "cat /etc/rancher/k3s/config.yaml").stdout.contains(Self.token))
    // The agent holds only the agent token.
    #expect(
      !(try lab.exec("lab-w1", "cat /etc/rancher/k3s/config.yaml").stdout.contains(Self.token)))
  }

  /// `ansible-vault encrypt_string` output for `name`, indented as a variable of `all.vars`.
  static func encryptString(_ plaintext: String, name: String, passwordFile: String) throws
    -> String
  {
    let result = try ProcessRunner.run(
      [
        Repository.venvTool("ansible-vault"), "encrypt_string", "--vault-password-file",
        passwordFile, "--stdin-name", name,
      ], environment: ["ANSIBLE_HOME": NSTemporaryDirectory() + "ansible-home"], input: plaintext)
    try #require(result.status == 0, "ansible-vault encrypt_string failed: \(result.stderr)")
    return result.stdout.split(separator: "\n").map { "    " + $0 + "\n" }.joined()
  }
}
