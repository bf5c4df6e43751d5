import ClusterMgrTesting
import Foundation
import SSHTransport
import Testing

/// Values that would run `touch /tmp/pwned-N` if any layer let the shell interpret them.
let injectionCorpus: [String] = [
  "; touch /tmp/pwned-1", "$(touch /tmp/pwned-2)", "`touch /tmp/pwned-3`",
  "'; touch /tmp/pwned-4; '", "\"; touch /tmp/pwned-5; \"", "x\ntouch /tmp/pwned-6",
  "| touch /tmp/pwned-7", "&& touch /tmp/pwned-8", "\r\ntouch /tmp/pwned-9",
  "x'\\''$(touch /tmp/pwned-10)", "${IFS}touch${IFS}/tmp/pwned-11", "$HOME", "*", "\\", "--help",
  "-n", "%s%n", "a b\tc", "ünï😀", "'", "\"", "",
]

extension SSHLabTests {
  @Test func theInjectionCorpusNeverExecutesAnything() async throws {
    let lab = try LabInstance.required()
    try lab.exec("lab-cp1", "rm -f /tmp/pwned-*; rm -rf /tmp/inj; mkdir -m 777 /tmp/inj")
    let connection = try await lab.connect("lab-cp1")
    for sudo in [false, true] {
      // As arguments: printed back exactly, NUL-separated.
      let echoed = try await connection.execute(
        .argv(["printf", "%s\\0"] + injectionCorpus, sudo: sudo))
      #expect(echoed.stdout == Data(injectionCorpus.map { $0 + "\0" }.joined().utf8))
      // As environment values.
      var environment: [String: String] = [:]
      for (index, value) in injectionCorpus.enumerated() { environment["V\(index)"] = value }
      let references = injectionCorpus.indices.map { "\"$V\($0)\"" }.joined(separator: " ")
      let printed = try await connection.execute(
        .script("printf '%s\\0' \(references)", sudo: sudo, environment: environment))
      #expect(printed.stdout == echoed.stdout)
      // As file names, written and read back.
      for value in injectionCorpus where !value.isEmpty && !value.contains("/") && value != "\\" {
        let path = "/tmp/inj/" + value
        try await connection.upload(Data(value.utf8), to: path, mode: 0o644, sudo: sudo)
        #expect(try await connection.download(path, sudo: sudo) == Data(value.utf8))
      }
      // As owner and group names: refused by chown, nothing runs.
      let error = await expectSSHError {
        try await connection.upload(
          Data("x".utf8), to: "/tmp/inj/owner", owner: "root; touch /tmp/pwned-12",
          group: "$(touch /tmp/pwned-13)", sudo: sudo)
      }
      #expect(error?.kind == .transferFailed)
    }
    let pwned = try lab.exec("lab-cp1", "ls /tmp/pwned-* 2>/dev/null || true")
    #expect(pwned.stdout.isEmpty, "injected commands ran: \(pwned.stdout)")
  }

  @Test func invalidEnvironmentNamesAreRefusedBeforeAnythingRuns() async throws {
    let lab = try LabInstance.required()
    let connection = try await lab.connect("lab-cp1")
    for name in ["A;touch /tmp/pwned-14", "1A", "A B", "", "A=B"] {
      let error = await expectSSHError {
        _ = try await connection.execute(.script("true", environment: [name: "x"]))
      }
      #expect(error?.kind == .invalidRequest)
    }
    #expect(await connection.roundTrips == 0)
  }
}
