import Basics
import ClusterMgrTesting
import Foundation
import Testing

@testable import SSHTransport

/// The exec line: shape, validation, and that no value can reach the shell as syntax.
struct RemoteCommandLineTests {
  func build(
    _ command: RemoteCommand, timeout: Duration? = nil, withPassword: Bool = false
  ) throws -> RemoteCommandLine {
    try RemoteCommandLine.build(
      command, timeout: timeout, killGrace: .seconds(5), withPassword: withPassword, nonce: "n0nce",
      host: "h")
  }

  @Test func aPlainScriptIsOneQuotedShCommand() throws {
    let line = try build(.script("echo hi"))
    #expect(line.text == "/bin/sh -c 'echo hi'")
    #expect(line.become == .none)
    #expect(line.marker == nil)
  }

  @Test func timeoutEnvironmentAndSudoNestInOrder() throws {
    let line = try build(
      .argv(["id", "-u"], sudo: true, environment: ["B": "2", "A": "x y"]),
      timeout: .milliseconds(2500))
    #expect(
      line.text
        == "sudo -n -H -u root -- /bin/sh -c 'printf '\\''%s\\n'\\'' \"$0\" >&2; exec \"$@\"' "
        + "cluster-mgr-become-ok-n0nce timeout -k 5.000s 2.500s env 'A=x y' B=2 id -u")
    #expect(line.become == .nonInteractive)
    let withPassword = try build(.script("true", sudo: true), withPassword: true)
    #expect(
      withPassword.text.hasPrefix("sudo -S -p '[cluster-mgr sudo password n0nce]' -H -u root -- "))
    #expect(withPassword.become == .password(prompt: "[cluster-mgr sudo password n0nce]"))
  }

  @Test func invalidRequestsAreRefused() {
    for command in [
      RemoteCommand.argv([]), .argv([""]), .script("true", environment: ["1X": "v"]),
      .script("true", environment: ["X": "a\0b"]), .script("a\0b"),
      .argv(["A=B", "x"], environment: ["K": "v"]),
    ] {
      #expect(throws: SSHError.self) { _ = try build(command) }
    }
  }

  /// The same corpus as the lab test, run through a local `sh` exactly as sshd would run it.
  @Test func theInjectionCorpusRoundTripsThroughALocalShell() throws {
    let marker = TemporaryDirectory.shared.file("pwned")
    let corpus = injectionCorpus + ["; touch \(marker)", "$(touch \(marker))", "`touch \(marker)`"]
    var environment: [String: String] = [:]
    for (index, value) in corpus.enumerated() { environment["V\(index)"] = value }
    let references = corpus.indices.map { "\"$V\($0)\"" }.joined(separator: " ")
    for command in [
      RemoteCommand.argv(["printf", "%s\\0"] + corpus),
      .script("printf '%s\\0' \(references)", environment: environment),
    ] {
      let line = try build(command, timeout: .seconds(10))
      let result = try ProcessRunner.run(["/bin/sh", "-c", line.text])
      #expect(result.stdout == corpus.map { $0 + "\0" }.joined())
    }
    #expect(!FileManager.default.fileExists(atPath: marker))
  }

  @Test func labelsAreShortAndFromTheFirstLine() {
    #expect(RemoteCommand.script("apt-get update\napt-get install -y x").label == "apt-get update")
    #expect(RemoteCommand.script("x", step: "install k3s").label == "install k3s")
    #expect(RemoteCommand.script(String(repeating: "a", count: 100)).label.count == 60)
  }
}
