import Basics
import Foundation

/// A test hook: with `CLUSTER_MGR_TEST_SCRIPT_LOG=DIR` set, every shell script cluster-mgr sends
/// to a host is also written to DIR (one file per script, mode 0600: scripts may carry secrets),
/// so that tests can check the scripts themselves (shellcheck). Unset, it does nothing.
enum ScriptLog {
  static let directory: String? = {
    let value = ProcessInfo.processInfo.environment["CLUSTER_MGR_TEST_SCRIPT_LOG"] ?? ""
    return value.isEmpty ? nil : value
  }()

  private static let counter = ScriptCounter()

  /// Records the script `command` runs, if it is one (`sh -c`, or `sh -s` with it on stdin).
  static func record(_ command: RemoteCommand, host: String) {
    guard directory != nil else { return }
    switch command.program {
    case .script(let script):
      record(script: script, host: host)
    case .argv(let argv) where argv.count >= 2 && argv[0].hasSuffix("sh") && argv[1] == "-s":
      record(script: String(decoding: command.stdin, as: UTF8.self), host: host)
    case .argv(let argv) where argv.count >= 3 && argv[0].hasSuffix("sh") && argv[1] == "-c":
      record(script: argv[2], host: host)
    case .argv:
      return
    }
  }

  /// Records `script`, run on `host`.
  static func record(script: String, host: String) {
    guard let directory else { return }
    let name = "\(getpid())-\(counter.next())-\(host).sh"
    try? AtomicFile.write(Data(script.utf8), to: directory + "/" + name, mode: 0o600)
  }
}

/// A number that goes up by one per call, from any thread.
final class ScriptCounter: @unchecked Sendable {
  private let lock = NSLock()
  private var value = 0

  func next() -> Int {
    lock.withLock {
      value += 1
      return value
    }
  }
}
