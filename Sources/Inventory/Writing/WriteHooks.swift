import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Test hooks for the crash and concurrency tests, read from the environment and ignored
/// unless `CLUSTER_MGR_TEST_WRITE_HOOK` is set:
///
/// - `CLUSTER_MGR_TEST_WRITE_HOOK=STEP=ACTION[,STEP=ACTION…]` with STEP one of `locked`
///   (lock held, nothing read yet), `before-rename` (new text written and synced to the
///   temporary file), `after-rename` (file replaced); ACTION one of `crash` (the process kills
///   itself with SIGKILL), `pause:MILLISECONDS`, `wait` (sleep until killed, at most 60 s).
/// - `CLUSTER_MGR_TEST_WRITE_HOOK_MARKER=PATH`: a line `STEP` is appended to PATH when a hooked
///   step is reached (before its action), so a test knows when to act.
struct WriteHooks: Sendable {
  enum Step: String, Sendable {
    case locked
    case beforeRename = "before-rename"
    case afterRename = "after-rename"
  }

  enum Action: Sendable {
    case crash
    case pause(milliseconds: Int)
    case wait
  }

  var actions: [Step: Action] = [:]
  var marker: String?

  static let none = WriteHooks()

  /// The hooks named in the environment (none when the variable is not set).
  static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment)
    -> WriteHooks
  {
    guard let specification = environment["CLUSTER_MGR_TEST_WRITE_HOOK"], !specification.isEmpty
    else { return .none }
    var hooks = WriteHooks(marker: environment["CLUSTER_MGR_TEST_WRITE_HOOK_MARKER"])
    for item in specification.split(separator: ",") {
      let parts = item.split(separator: "=", maxSplits: 1).map(String.init)
      guard parts.count == 2, let step = Step(rawValue: parts[0]) else { continue }
      if parts[1] == "crash" {
        hooks.actions[step] = .crash
      } else if parts[1] == "wait" {
        hooks.actions[step] = .wait
      } else if parts[1].hasPrefix("pause:"), let milliseconds = Int(parts[1].dropFirst(6)) {
        hooks.actions[step] = .pause(milliseconds: milliseconds)
      }
    }
    return hooks
  }

  /// Runs the action for `step`, if any.
  func reach(_ step: Step) {
    guard let action = actions[step] else { return }
    if let marker, let handle = FileHandle(forWritingAtPath: marker) ?? create(marker) {
      handle.seekToEndOfFile()
      handle.write(Data((step.rawValue + "\n").utf8))
      try? handle.close()
    }
    switch action {
    case .crash:
      kill(getpid(), SIGKILL)
    case .pause(let milliseconds):
      usleep(useconds_t(milliseconds) * 1000)
    case .wait:
      for _ in 0..<600 { usleep(100_000) }
    }
  }

  private func create(_ path: String) -> FileHandle? {
    FileManager.default.createFile(atPath: path, contents: nil)
    return FileHandle(forWritingAtPath: path)
  }
}
