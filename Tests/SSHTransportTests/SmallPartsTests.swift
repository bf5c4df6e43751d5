import Basics
import Foundation
import Testing

@testable import SSHTransport

/// Errors, targets, secrets and the executor.
struct SmallPartsTests {
  @Test func errorsNameHostAndStepAndMapToExitStatuses() {
    let error = SSHError(
      .unreachable, host: "nas", step: "connect", reason: "refused.", remedy: "Start it.")
    #expect(error.message == "nas: connect: refused.")
    #expect(error.description == "nas: connect: refused.\n  fix: Start it.")
    #expect(error.exitStatus == ExitStatus.unreachable)
    #expect(
      SSHError(.invalidRequest, host: "h", step: "s", reason: "r").exitStatus
        == ExitStatus.invalidInput)
    #expect(
      SSHError(.sudoPasswordWrong, host: "h", step: "s", reason: "r").exitStatus
        == ExitStatus.failure)
  }

  @Test func aTargetNeverPrintsItsPassword() {
    let target = SSHTarget(
      name: "nas", address: "fd00::1", port: 2222, user: "u", becomePassword: "hunter2")
    #expect(target.description == "nas (u@[fd00::1]:2222)")
    #expect(!"\(target)".contains("hunter2"))
  }

  @Test func passphrasesComeFromTheEnvironmentThenOneQuestionPerKey() {
    let asked = Counter()
    let ask: (String) -> String? = { _ in
      asked.increment()
      return "typed"
    }
    let fromEnvironment = SecretPrompt.passphrase(
      for: "/k1", environment: ["CLUSTER_MGR_SSH_PASSPHRASE": "env"], ask: ask)
    #expect(fromEnvironment == "env")
    let path = "/unit-test-key-\(UUID().uuidString)"
    #expect(SecretPrompt.passphrase(for: path, environment: [:], ask: ask) == "typed")
    #expect(SecretPrompt.passphrase(for: path, environment: [:], ask: ask) == "typed")
    #expect(asked.value == 1)
  }

  @Test func tildeExpandsToHome() {
    #expect(
      Authenticator.expandTilde("~/.ssh/id_ed25519") == StatePaths.homeDirectory.path
        + "/.ssh/id_ed25519")
    #expect(Authenticator.expandTilde("/abs/key") == "/abs/key")
    #expect(Authenticator.expandTilde("~other/key") == "~other/key")
  }

  @Test func actorsOnAThreadExecutorRunOffTheCooperativePool() async {
    actor Probe {
      let executor = ThreadExecutor(name: "probe")
      nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }
      func onOwnThread() -> Bool { executor.isCurrentThread }
      func threadName() -> String? {
        try? String(contentsOfFile: "/proc/thread-self/comm", encoding: .utf8)
      }
      func block(_ gauge: Gauge) {
        gauge.enter()
        Thread.sleep(forTimeInterval: 1)
        gauge.leave()
      }
    }
    #expect(await Probe().onOwnThread())
    #expect(await Probe().threadName() == "probe\n")
    // Eight actors blocking at once: more than the cooperative pool has threads (one per core).
    let probes = (0..<8).map { _ in Probe() }
    let gauge = Gauge()
    await withTaskGroup(of: Void.self) { group in
      for probe in probes { group.addTask { await probe.block(gauge) } }
    }
    #expect(gauge.maximum > ProcessInfo.processInfo.activeProcessorCount)
  }

  @Test func theReceiveScriptAnnouncesSixFieldsPerFileAndNamesWhatItRefused() {
    #expect(
      ReceiveScript.arguments(path: "/etc/x", size: 3, sha256: "ab", mode: 0o640, owner: "root")
        == ["/etc/x", "3", "ab", "640", "root", ""])
    #expect(ReceiveScript.arguments(path: "/s/a", size: 0, sha256: "cd")[3] == "600")
    let stderr = "mktemp: failed\ncluster-mgr-upload: cannot write /etc/x\n"
    #expect(
      ReceiveScript.refusal(exitStatus: 97, exitSignal: nil, stderr: stderr)
        == "cannot write /etc/x")
    #expect(ReceiveScript.refusal(exitStatus: 1, exitSignal: nil, stderr: stderr) == nil)
    #expect(ReceiveScript.refusal(exitStatus: 97, exitSignal: "KILL", stderr: stderr) == nil)
  }
}

/// Counts how many callers are inside at once, and the most there ever were.
final class Gauge: @unchecked Sendable {
  private let lock = NSLock()
  private var current = 0
  private var peak = 0
  var maximum: Int { lock.withLock { peak } }
  func enter() {
    lock.withLock {
      current += 1
      peak = max(peak, current)
    }
  }
  func leave() { lock.withLock { current -= 1 } }
}
