import ClusterMgrTesting
import Foundation
import Inventory
import Testing

/// Ansible Vault, both ways and through every password source: what the pinned `ansible-vault`
/// encrypts, cluster-mgr decrypts to the same values; what `config-set --vault` encrypts,
/// `ansible-vault view` and `ansible-inventory` decrypt; a wrong or missing password and a
/// changed ciphertext are clear errors naming the variable and its position, and a decrypted
/// value is never printed unless asked for.
@Suite struct VaultTests {
  /// Texts that exercise the padding (16-byte boundaries), line breaks and non-ASCII text.
  static let plaintexts = [
    "K10c3f1::server:9d8e7f", "sixteen-bytes!!!", "1", "multi\nline\nsecret\n",
    "ünïcødé ✓ 😀", String(repeating: "x", count: 100),
  ]

  @Test func valuesEncryptedByAnsibleVaultDecryptToTheSameValues() throws {
    let scratch = try ScratchDirectory()
    defer { scratch.remove() }
    let password = try scratch.write("pass", "s3cret-vault-pass\n")
    let devPassword = try scratch.write("dev.pass", "dev-only\n")
    var lines = ["all:", "  hosts:", "    h1:"]
    for (index, plaintext) in Self.plaintexts.enumerated() {
      lines += try Self.encryptString(plaintext, name: "value\(index)", with: password, indent: 6)
    }
    lines += try Self.encryptString(
      "labelled", name: "labelled", with: devPassword, label: "dev", indent: 6)
    let inventory = try scratch.write("hosts.yml", lines.joined(separator: "\n") + "\n")
    let options = [
      "-i", inventory, "--vault-password-file", password, "--vault-id", "dev@" + devPassword,
    ]
    for (index, plaintext) in Self.plaintexts.enumerated() {
      let ours = try CLI.run(
        ["config-get", "value\(index)", "--scope", "h1", "--reveal", "--output", "json"] + options)
      try #require(ours.status == 0, "\(ours.stderr)")
      let object = try JSONSerialization.jsonObject(with: Data(ours.stdout.utf8)) as? [String: Any]
      #expect(object?["value"] as? String == plaintext, "value\(index)")
    }
    let labelled = try CLI.run(["config-get", "labelled", "--scope", "h1", "--reveal"] + options)
    #expect(labelled.stdout == "labelled\n")
  }

  @Test func filesEncryptedByAnsibleVaultDecrypt() throws {
    let scratch = try ScratchDirectory()
    defer { scratch.remove() }
    let password = try scratch.write("pass", "file-pass")
    let inventory = try scratch.write("hosts.yml", "all:\n  hosts:\n    h1:\n")
    let secrets = try scratch.write(
      "group_vars/all/vault.yml", "vault_token: K10from-file\nvault_list: [1, two]\n")
    let encrypt = try Ansible.tool(
      "ansible-vault", ["encrypt", "--vault-password-file", password, secrets])
    try #require(encrypt.status == 0, "\(encrypt.stderr)")
    #expect(try scratch.read("group_vars/all/vault.yml").hasPrefix("$ANSIBLE_VAULT;1.1;AES256\n"))
    let value = try CLI.run([
      "config-get", "vault_token", "--reveal", "-i", inventory, "--vault-password-file", password,
    ])
    #expect(value.stdout == "K10from-file\n", "\(value.stderr)")
    // Without --reveal the value is hidden: every value of an encrypted file is a secret.
    let hidden = try CLI.run([
      "config-get", "vault_token", "-i", inventory, "--vault-password-file", password,
    ])
    #expect(hidden.stdout == "(secret)\n")
    let missing = try CLI.run(["inventory", "--list", "-i", inventory])
    #expect(missing.status == 2)
    #expect(
      missing.stderr.contains(
        "error: \(secrets) is encrypted with Ansible Vault and no vault password was given"))
  }

  @Test func valuesEncryptedByConfigSetDecryptWithAnsible() throws {
    let scratch = try ScratchDirectory()
    defer { scratch.remove() }
    let password = try scratch.write("pass", "config-set-pass\n")
    let prod = try scratch.write("prod.pass", "prod-pass\n")
    let original =
      "# the cluster\nall:\n  vars:\n    cluster_name: homelab  # keep me\n  hosts:\n    h1:\n"
    let inventory = try scratch.write("hosts.yml", original)
    for (index, plaintext) in Self.plaintexts.enumerated() where !plaintext.contains("\n") {
      let set = try CLI.run(
        [
          "config-set", "secret\(index)", plaintext, "--vault", "-i", inventory,
          "--vault-password-file", password,
        ])
      try #require(set.status == 0, "\(set.stderr)")
      #expect(set.stdout.contains("set secret\(index) = (secret) at all"), "\(set.stdout)")
      #expect(plaintext.count < 6 || !set.stdout.contains(plaintext), "the summary hides the value")
    }
    let viaStdin = try CLI.run(
      [
        "config-set", "from_stdin", "-", "--vault", "--scope", "h1", "-i", inventory, "--vault-id",
        "prod@" + prod,
      ],
      input: "piped secret\n")
    try #require(viaStdin.status == 0, "\(viaStdin.stderr)")
    let text = try scratch.read("hosts.yml")
    #expect(text.hasPrefix(original.replacingOccurrences(of: "  hosts:\n    h1:\n", with: "")))
    #expect(text.contains("    secret0: !vault |\n      $ANSIBLE_VAULT;1.1;AES256\n"))
    #expect(text.contains("      from_stdin: !vault |\n        $ANSIBLE_VAULT;1.2;AES256;prod\n"))
    #expect(!text.contains("K10c3f1"), "no plaintext in the file")

    // ansible-vault view reads each envelope; ansible-inventory decrypts them in --graph --vars.
    let list = try CLI.run(["inventory", "--list", "-i", inventory])
    try #require(list.status == 0, "\(list.stderr)")
    let hostvars = try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [String: Any]
    let variables =
      ((hostvars?["_meta"] as? [String: Any])?["hostvars"] as? [String: Any])?["h1"]
      as? [String: Any] ?? [:]
    for (index, plaintext) in Self.plaintexts.enumerated() where !plaintext.contains("\n") {
      let envelope = try #require(
        (variables["secret\(index)"] as? [String: Any])?["__ansible_vault"] as? String)
      let file = try scratch.write("envelope\(index)", envelope)
      let view = try Ansible.tool(
        "ansible-vault", ["view", "--vault-password-file", password, file])
      #expect(view.status == 0, "\(view.stderr)")
      // ansible-vault view ends what it shows with a line break.
      #expect(view.stdout == plaintext + "\n", "ansible-vault view of secret\(index)")
    }
    let graph = try Ansible.inventory([
      "-i", inventory, "--graph", "--vars", "--vault-password-file", password, "--vault-id",
      "prod@" + prod,
    ])
    #expect(graph.status == 0, "\(graph.stderr)")
    #expect(graph.stdout.contains("{secret0 = K10c3f1::server:9d8e7f}"))
    #expect(graph.stdout.contains("{from_stdin = piped secret}"))
  }

  @Test func wrongMissingAndChangedGiveClearErrors() throws {
    let scratch = try ScratchDirectory()
    defer { scratch.remove() }
    let password = try scratch.write("pass", "right-pass")
    let wrong = try scratch.write("wrong", "wrong-pass")
    let lines =
      ["all:", "  vars:"] + (try Self.encryptString("K10token", name: "k3s_token", with: password))
    let text = lines.joined(separator: "\n") + "\n"
    let inventory = try scratch.write("hosts.yml", text)
    let position = "\(inventory):3:5"

    let missing = try CLI.run(["config-get", "k3s_token", "-i", inventory])
    #expect(missing.status == 2)
    #expect(
      missing.stderr.contains(
        "error: \(position): k3s_token is encrypted with Ansible Vault and no vault password was given"
      ))
    #expect(missing.stderr.contains("--vault-password-file"))
    #expect(!missing.stdout.contains("ANSIBLE_VAULT"), "the ciphertext is never the value")

    let bad = try CLI.run([
      "config-get", "k3s_token", "-i", inventory, "--vault-password-file", wrong,
    ])
    #expect(bad.status == 2)
    #expect(
      bad.stderr.contains(
        "error: \(position): k3s_token is encrypted with Ansible Vault and no given password opens it"
      ))
    #expect(bad.stderr.contains("HMAC check failed"))

    for part in [VaultPart.hmac, .ciphertext] {
      let changed = try scratch.write("changed-\(part).yml", try Self.tampering(text, part))
      let result = try CLI.run([
        "config-get", "k3s_token", "-i", changed, "--vault-password-file", password,
      ])
      #expect(result.status == 2, "\(part)")
      #expect(result.stderr.contains("no given password opens it"), "\(part): \(result.stderr)")
      let ansible = try Ansible.inventory([
        "-i", changed, "--graph", "--vars", "--vault-password-file", password,
      ])
      #expect(ansible.status != 0 || !ansible.stdout.contains("K10token"), "Ansible refuses it too")
    }
    let bodyIndent = String(lines[3].prefix { $0 == " " })
    let damaged = try scratch.write(
      "damaged.yml",
      text.replacingOccurrences(
        of: "$ANSIBLE_VAULT;1.1;AES256\n", with: "$ANSIBLE_VAULT;1.1;AES256\n\(bodyIndent)zz\n"))
    let format = try CLI.run([
      "config-get", "k3s_token", "-i", damaged, "--vault-password-file", password,
    ])
    #expect(format.stderr.contains("\(damaged):3:5: k3s_token: the Ansible Vault data is damaged"))
  }

  @Test func passwordsComeFromEverySource() throws {
    let scratch = try ScratchDirectory()
    defer { scratch.remove() }
    let password = try scratch.write("pass", "  source-pass \n")
    let lines =
      ["all:", "  vars:"] + (try Self.encryptString("opened", name: "secret", with: password))
      + (try Self.encryptString("labelled", name: "labelled", with: password, label: "ops"))
    let inventory = try scratch.write("hosts.yml", lines.joined(separator: "\n") + "\n")
    let script = try scratch.write("pass.sh", "#!/bin/sh\necho source-pass\n")
    try #require(chmod(script, 0o755) == 0)
    let client = try scratch.write(
      "vault-client.sh",
      "#!/bin/sh\n[ \"$1\" = --vault-id ] && [ \"$2\" = ops ] && echo source-pass && exit 0\nexit 2\n"
    )
    try #require(chmod(client, 0o755) == 0)
    let sources: [(String, [String], [String: String])] = [
      ("file", ["--vault-password-file", password], [:]),
      ("vault-id file", ["--vault-id", password], [:]),
      ("script", ["--vault-password-file", script], [:]),
      ("client script", ["--vault-id", "ops@" + client], [:]),
      ("environment", [], ["ANSIBLE_VAULT_PASSWORD_FILE": password]),
      ("identity list", [], ["ANSIBLE_VAULT_IDENTITY_LIST": "ops@" + password]),
    ]
    for (name, options, environment) in sources {
      let result = try CLI.run(
        ["config-get", "secret", "--reveal", "-i", inventory] + options, environment: environment)
      #expect(result.stdout == "opened\n", "\(name): \(result.stderr)")
    }
    // Without a terminal --ask-vault-pass cannot ask: a clear error, not a hang.
    let prompt = try CLI.run(["config-get", "secret", "-i", inventory, "--ask-vault-pass"])
    #expect(prompt.status == 2)
    #expect(prompt.stderr.contains("cannot ask for the vault password: there is no terminal"))
    // A missing password file is skipped with a warning when another source works.
    let skipped = try CLI.run([
      "config-get", "secret", "--reveal", "-i", inventory, "--vault-password-file",
      scratch.file("absent"), "--vault-password-file", password,
    ])
    #expect(skipped.stdout == "opened\n", "\(skipped.stderr)")
  }

  @Test func askVaultPassPromptsOnceOnTheTerminal() throws {
    let scratch = try ScratchDirectory()
    defer { scratch.remove() }
    let password = try scratch.write("pass", "typed-pass")
    let lines =
      ["all:", "  vars:"] + (try Self.encryptString("prompted", name: "secret", with: password))
      + (try Self.encryptString("second", name: "other", with: password))
    let inventory = try scratch.write("hosts.yml", lines.joined(separator: "\n") + "\n")
    // A terminal for the command: answer the prompt once it is shown, then read to the end.
    let driver = """
      import os, pty, sys
      pid, fd = pty.fork()
      if pid == 0:
          os.execv(sys.argv[1], sys.argv[1:])
      out = b""
      while b"Vault password: " not in out:
          out += os.read(fd, 1024)
      os.write(fd, b"typed-pass\\n")
      while True:
          try:
              chunk = os.read(fd, 1024)
          except OSError:
              break
          if not chunk:
              break
          out += chunk
      sys.stdout.write(out.decode())
      """
    let result = try ProcessRunner.run(
      [
        "/usr/bin/python3", "-c", driver, Repository.clusterMgrBinary, "inventory", "--graph",
        "--vars", "--reveal", "-i", inventory, "--ask-vault-pass",
      ], environment: TestEnvironment.child(adding: [:]))
    #expect(
      result.stdout.components(separatedBy: "Vault password: ").count == 2,
      "asked once: \(result.stdout)")
    #expect(result.stdout.contains("{secret = prompted}"))
    #expect(result.stdout.contains("{other = second}"))
    #expect(!result.stdout.contains("typed-pass"), "the password is not echoed")
  }

  // MARK: - Deliberate differences

  /// Ansible prints decrypted values in --graph --vars and values of an encrypted vars file in
  /// --list and --host; cluster-mgr shows (vault) unless --reveal.
  @Test func decryptedValuesAreMaskedUnlessRevealed() throws {
    let corpus = Fixtures.path("differential/vault-file")
    let inventory = corpus + "/hosts.yml"
    let options = ["-i", inventory, "--vault-password-file", corpus + "/vault-password"]
    let list = try CLI.run(["inventory", "--list"] + options)
    #expect(list.stdout.contains("\"vault_k3s_token\": \"(vault)\""))
    #expect(!list.stdout.contains("K10file"))
    let host = try CLI.run(["inventory", "--host", "vf1"] + options)
    #expect(host.stdout.contains("\"vault_numbers\": \"(vault)\""))
    let revealed = try CLI.run(["inventory", "--list", "--reveal"] + options)
    #expect(revealed.stdout.contains("\"vault_k3s_token\": \"K10file::server:cafe\""))
    let ansible = try Ansible.inventory(["--list"] + options)
    #expect(ansible.stdout.contains("\"vault_k3s_token\": \"K10file::server:cafe\""))

    let inline = Fixtures.path("differential/vault-inline")
    let inlineOptions = [
      "-i", inline + "/hosts.yml", "--vault-password-file", inline + "/vault-password",
    ]
    let graph = try CLI.run(["inventory", "--graph", "--vars"] + inlineOptions)
    #expect(graph.stdout.contains("{k3s_token = (vault)}"))
    #expect(!graph.stdout.contains("K10abc"))
    let ansibleGraph = try Ansible.inventory(["--graph", "--vars"] + inlineOptions)
    #expect(ansibleGraph.stdout.contains("{k3s_token = K10abc::server:deadbeef}"))
  }

  /// Ansible's --list and --host never decrypt, so a wrong password goes unnoticed there, and
  /// cluster-mgr prints the same ciphertext; where a value is used (or shown decrypted) it is an
  /// error in both.
  ///
  /// Without any password, --graph --vars, where Ansible fails, shows (vault).
  @Test func aWrongPasswordIsAnErrorWhereValuesAreUsed() throws {
    let scratch = try ScratchDirectory()
    defer { scratch.remove() }
    let wrong = try scratch.write("wrong", "not-the-password")
    let inline = Fixtures.path("differential/vault-inline/hosts.yml")
    let options = ["-i", inline, "--vault-password-file", wrong]
    let ours = try CLI.run(["inventory", "--list"] + options)
    let ansible = try Ansible.inventory(["--list"] + options)
    #expect(ours.status == 0, "\(ours.stderr)")
    #expect(ours.stdout == ansible.stdout)
    let revealed = try CLI.run(["inventory", "--graph", "--vars", "--reveal"] + options)
    #expect(revealed.status == 2)
    #expect(
      revealed.stderr.contains(
        "k3s_token is encrypted with Ansible Vault and no given password opens it"))
    #expect(try Ansible.inventory(["--graph", "--vars"] + options).status != 0)
    let used = try CLI.run(["config-get", "k3s_token"] + options)
    #expect(used.status == 2)

    let locked = try CLI.run(["inventory", "--graph", "--vars", "-i", inline])
    #expect(locked.status == 0, "\(locked.stderr)")
    #expect(locked.stdout.contains("{k3s_token = (vault)}"))
    #expect(try Ansible.inventory(["--graph", "--vars", "-i", inline]).status != 0)
  }

  // MARK: - Helpers

  /// `ansible-vault encrypt_string` lines for `name: !vault |...`, indented by `indent`.
  static func encryptString(
    _ plaintext: String, name: String, with passwordFile: String, label: String? = nil,
    indent: Int = 4
  ) throws -> [String] {
    let source = label.map { "\($0)@\(passwordFile)" } ?? passwordFile
    let result = try Ansible.tool(
      "ansible-vault", ["encrypt_string", "--vault-id", source, "--stdin-name", name],
      input: plaintext)
    try #require(result.status == 0, "ansible-vault: \(result.stderr)")
    return result.stdout.split(separator: "\n").map { String(repeating: " ", count: indent) + $0 }
  }

  enum VaultPart: CustomStringConvertible {
    case hmac, ciphertext
    var description: String { self == .hmac ? "hmac" : "ciphertext" }
  }

  /// The text with one hex digit of the envelope's HMAC or ciphertext changed (the envelope
  /// stays well-formed).
  static func tampering(_ text: String, _ part: VaultPart) throws -> String {
    var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    let header = try #require(lines.firstIndex { $0.hasSuffix("$ANSIBLE_VAULT;1.1;AES256") })
    let indent = String(lines[header + 1].prefix { $0 == " " })
    let body = lines[(header + 1)...].prefix { $0.hasPrefix(indent) }
    let outer = body.map { $0.dropFirst(indent.count) }.joined()
    var inner = try #require(hexDecode(outer)).split(
      separator: "\n", omittingEmptySubsequences: false)
    let index = part == .hmac ? 1 : 2
    var digits = Array(inner[index])
    digits[0] = digits[0] == "a" ? "b" : "a"
    inner[index] = Substring(String(digits))
    let encoded = hexEncode(inner.joined(separator: "\n"))
    var rebuilt: [String] = []
    var rest = Substring(encoded)
    while !rest.isEmpty {
      rebuilt.append(indent + rest.prefix(80))
      rest = rest.dropFirst(80)
    }
    lines.replaceSubrange((header + 1)..<(header + 1 + body.count), with: rebuilt)
    return lines.joined(separator: "\n")
  }

  static func hexDecode(_ hex: String) -> String? {
    var bytes: [UInt8] = []
    var iterator = hex.makeIterator()
    while let high = iterator.next(), let low = iterator.next() {
      guard let byte = UInt8(String([high, low]), radix: 16) else { return nil }
      bytes.append(byte)
    }
    return String(decoding: bytes, as: UTF8.self)
  }

  static func hexEncode(_ text: String) -> String {
    text.utf8.map { String(format: "%02x", $0) }.joined()
  }
}
