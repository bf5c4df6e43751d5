import Engine
import Foundation

/// Engine sessions into lab hosts through `scripts/lab exec` (nsenter), without SSH.
///
/// For engine tests that are about planning and applying, not about the transport. Every
/// capability is also tested over real SSH; this only lets engine tests run on their own.
public struct LabExecSessions: HostSessionProvider {
  let lab: LabInstance
  let counters: Counters

  /// Sessions into the hosts of `lab`.
  public init(lab: LabInstance) {
    self.lab = lab
    self.counters = Counters()
  }

  public func session(for host: String) async throws -> any HostSession {
    LabExecSession(lab: lab, host: host, counters: counters)
  }

  public func closeAll() async {}

  final class Counters: @unchecked Sendable {
    private let lock = NSLock()
    private var counts: [String: Int] = [:]
    func increment(_ host: String) {
      lock.lock()
      counts[host, default: 0] += 1
      lock.unlock()
    }
    func count(_ host: String) -> Int {
      lock.lock()
      defer { lock.unlock() }
      return counts[host, default: 0]
    }
  }
}

struct LabExecSession: HostSession {
  let lab: LabInstance
  let host: String
  let counters: LabExecSessions.Counters

  func runScript(_ script: String, privileged: Bool, timeout: Duration?) async throws
    -> ScriptOutput
  {
    counters.increment(host)
    let shell = privileged ? ["sh", "-s"] : ["runuser", "-u", lab.user, "--", "sh", "-s"]
    let result = try ProcessRunner.run(
      [Repository.labScript, "--name", lab.name, "exec", host, "--"] + shell, input: script)
    return ScriptOutput(stdout: result.stdout, stderr: result.stderr, exitStatus: result.status)
  }

  func stage(localPath: String, remotePath: String) async throws {
    counters.increment(host)
    let data = try Data(contentsOf: URL(fileURLWithPath: localPath))
    let result = try ProcessRunner.run(
      [
        Repository.labScript, "--name", lab.name, "exec", host, "--", "sh", "-c",
        "cat > '\(remotePath)'",
      ], inputData: data)
    guard result.status == 0 else { throw LabError(message: "staging failed: \(result.stderr)") }
  }

  var roundTrips: Int { counters.count(host) }
}
