import ClusterMgrTesting
import Crypto
import Foundation
import SSHTransport
import Testing

extension SSHLabTests {
  @Test func a200MegabyteUploadArrivesIntactWithFlatMemory() async throws {
    let lab = try LabInstance.required()
    let source = TemporaryDirectory.shared.file("big.bin")
    try local(["sh", "-c", "head -c 200M /dev/urandom > '\(source)'"])
    defer { try? FileManager.default.removeItem(atPath: source) }
    let expected = try local(["sha256sum", source]).split(separator: " ").first.map(String.init)
    try lab.exec("lab-cp1", "mkdir -p /opt/cm-upload && chmod 755 /opt/cm-upload")
    let address = lab.host("lab-cp1").address
    let key = lab.keyPath
    let knownHosts = lab.knownHostsPath
    // The upload runs in a fresh child process (an exit test), so its peak RSS is the
    // controller's alone and not this long-lived test runner's.
    let child = try await #require(
      processExitsWith: .success, observing: [\.standardOutputContent]
    ) {
      [
        address = address as String, key = key as String, knownHosts = knownHosts as String,
        source = source as String
      ] in
      var options = SSHOptions()
      options.knownHostsFiles = [knownHosts]
      options.ownKnownHostsFile = "/dev/null"
      options.useAgent = false
      options.defaultKeyFiles = []
      let target = SSHTarget(name: "lab-cp1", address: address, user: "lab", keyFile: key)
      let connection = try await SSHConnection.connect(to: target, options: options)
      MemoryProbe.resetPeak()
      let before = MemoryProbe.current
      try await connection.upload(
        file: URL(fileURLWithPath: source), to: "/opt/cm-upload/big.bin", mode: 0o640,
        owner: "root", group: "lab", sudo: true)
      print(before, MemoryProbe.peak)
    }
    let numbers = String(decoding: child.standardOutputContent, as: UTF8.self)
      .split(whereSeparator: \.isWhitespace).compactMap { Int($0) }
    let (before, peak) = (numbers.first ?? 0, numbers.last ?? .max)
    let facts = try lab.exec(
      "lab-cp1", "stat -c '%a %U %G %s' /opt/cm-upload/big.bin; sha256sum < /opt/cm-upload/big.bin")
    let lines = facts.stdout.split(separator: "\n").map(String.init)
    #expect(lines.first == "640 root lab \(200 * 1024 * 1024)")
    #expect(lines.dropFirst().first?.hasPrefix(expected ?? "?") == true)
    #expect(peak > 0 && peak < 60 * 1024 * 1024, "peak RSS \(peak >> 20) MB")
    #expect(peak - before < 16 * 1024 * 1024, "the upload grew RSS by \((peak - before) >> 20) MB")
    let leftovers = try lab.exec("lab-cp1", "ls -A /opt/cm-upload")
    #expect(leftovers.stdout == "big.bin\n")
  }

  @Test func uploadReplacesAnExistingFileAtomically() async throws {
    let lab = try LabInstance.required()
    let connection = try await lab.connect("lab-cp1")
    try lab.exec(
      "lab-cp1",
      "mkdir -p /etc/cm-test && echo old > /etc/cm-test/config && chmod 600 /etc/cm-test/config")
    try await connection.upload(
      Data("new contents\n".utf8), to: "/etc/cm-test/config", mode: 0o644, sudo: true)
    let facts = try lab.exec(
      "lab-cp1", "stat -c '%a %U' /etc/cm-test/config; cat /etc/cm-test/config; ls -A /etc/cm-test")
    #expect(facts.stdout == "644 root\nnew contents\nconfig\n")
    let download = try await connection.download("/etc/cm-test/config")
    #expect(download == Data("new contents\n".utf8))
  }

  @Test func uploadWithASudoPasswordStreamsAfterThePrompt() async throws {
    let lab = try LabInstance.required()
    let target = lab.target("lab-cp1", user: lab.passwordUser, becomePassword: lab.sudoPassword)
    let connection = try await SSHConnection.connect(to: target, options: lab.sshOptions())
    let payload = Data((0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 7) })
    try await connection.upload(payload, to: "/root/cm-payload", mode: 0o600, sudo: true)
    #expect(try await connection.download("/root/cm-payload", sudo: true) == payload)
  }

  @Test func uploadToARootDirectoryWithoutSudoFailsWithARemedy() async throws {
    let lab = try LabInstance.required()
    let connection = try await lab.connect("lab-cp1")
    let error = await expectSSHError {
      try await connection.upload(Data("x".utf8), to: "/etc/cm-denied")
    }
    #expect(error?.kind == .transferFailed)
    #expect(error?.step == "upload /etc/cm-denied")
    #expect(error?.remedy?.contains("sudo") == true)
    #expect(try lab.exec("lab-cp1", "test -e /etc/cm-denied").status != 0)
  }

  @Test func downloadReadsRootOnlyFilesWithSudo() async throws {
    let lab = try LabInstance.required()
    let connection = try await lab.connect("lab-cp1")
    let shadow = try await connection.download("/etc/shadow", sudo: true)
    #expect(
      String(decoding: shadow, as: UTF8.self) == (try lab.exec("lab-cp1", "cat /etc/shadow").stdout)
    )
    let error = await expectSSHError { _ = try await connection.download("/etc/shadow") }
    #expect(error?.kind == .transferFailed)
    #expect(error?.reason.contains("Permission denied") == true)
  }

  @Test func stagedFilesThenTheScriptInOneRoundTrip() async throws {
    let lab = try LabInstance.required()
    let connection = try await lab.connect("lab-cp1")
    let big = TemporaryDirectory.shared.file("staged-big.bin")
    let small = TemporaryDirectory.shared.file("staged-small.txt")
    try local(["sh", "-c", "head -c 3M /dev/urandom > '\(big)'; printf 'small\\n' > '\(small)'"])
    let hashes = try [big, small].map { path in
      try local(["sha256sum", path]).split(separator: " ").first.map(String.init) ?? ""
    }
    try lab.exec("lab-cp1", "rm -rf /var/lib/cm-staged")
    let before = await connection.roundTrips
    // The script reads its own stdin to the end: nothing of the files may be left there.
    let result = try await connection.execute(
      script: """
        stat -c '%a %U' /var/lib/cm-staged /var/lib/cm-staged/big /var/lib/cm-staged/small
        sha256sum < /var/lib/cm-staged/big; cat /var/lib/cm-staged/small; wc -c
        """,
      after: [
        StagedUpload(
          localFile: URL(fileURLWithPath: big), remotePath: "/var/lib/cm-staged/big",
          sha256: hashes[0]),
        StagedUpload(
          localFile: URL(fileURLWithPath: small), remotePath: "/var/lib/cm-staged/small",
          sha256: hashes[1]),
      ], sudo: true, timeout: .seconds(60), step: "stage and run")
    #expect(await connection.roundTrips == before + 1)
    #expect(
      result.stdoutText
        == "700 root\n600 root\n600 root\n\(hashes[0])  -\nsmall\n0\n", "\(result.stderrText)")
    #expect(try lab.exec("lab-cp1", "ls -A /var/lib/cm-staged").stdout == "big\nsmall\n")
  }

  @Test func aDamagedStagedFileKeepsTheScriptFromRunning() async throws {
    let lab = try LabInstance.required()
    let connection = try await lab.connect("lab-cp1")
    let file = TemporaryDirectory.shared.file("staged-damaged.txt")
    try Data("payload\n".utf8).write(to: URL(fileURLWithPath: file))
    try lab.exec("lab-cp1", "rm -rf /var/lib/cm-damaged /tmp/cm-script-ran")
    let error = await expectSSHError {
      _ = try await connection.execute(
        script: "touch /tmp/cm-script-ran",
        after: [
          StagedUpload(
            localFile: URL(fileURLWithPath: file), remotePath: "/var/lib/cm-damaged/f",
            sha256: String(repeating: "0", count: 64))
        ], sudo: true, timeout: .seconds(60), step: "stage and run")
    }
    #expect(error?.kind == .transferFailed)
    #expect(
      error?.reason.contains("/var/lib/cm-damaged/f arrived with sha256") == true,
      "\(String(describing: error))")
    #expect(try lab.exec("lab-cp1", "test -e /tmp/cm-script-ran").status != 0)
    #expect(try lab.exec("lab-cp1", "ls -A /var/lib/cm-damaged").stdout == "")
  }
}
