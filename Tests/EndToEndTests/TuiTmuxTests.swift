import ClusterMgrTesting
import Foundation
import Testing

/// `cluster-mgr tui` (the real binary) in a real terminal: tmux, driven with send-keys and read
/// with capture-pane, against a K3s cluster on the lab.
@Suite(.serialized, .lab("t-tui", hosts: ["lab-cp1", "lab-w1", "lab-w2"]))
struct TuiTmuxTests {
  /// Seconds between refreshes (`--refresh`).
  static let refresh = 2.0
  /// The longest a refresh waits for hosts and the server with that interval (see `Tui`).
  static let budget = 3.0

  /// Issue #9's done-when: the Nodes screen lists the lab hosts with non-zero CPU and memory;
  /// Enter opens details; a stopped host turns N/A within two refreshes; q exits and leaves
  /// the terminal sane.
  @Test func nodesDetailsAStoppedHostAndQuitUnderTmux() throws {
    let lab = try LabInstance.required()
    let cluster = try StatusLabCluster.provisioned(lab)
    let tmux = try TmuxSession(name: "cm-tui-\(ProcessInfo.processInfo.processIdentifier)")
    defer { tmux.end() }
    try tmux.shell("stty -a > \(cluster.stateDirectory)/stty-before")
    let environment = cluster.environment().map { "\($0.key)=\($0.value)" }.sorted()
      .joined(separator: " ")
    try tmux.shell(
      "env \(environment) \(Repository.clusterMgrBinary) tui --refresh \(Int(Self.refresh)); "
        + "echo TUI-EXIT=$?")

    // The Nodes screen: every lab host with non-zero CPU and memory read from the host.
    var screen = ""
    let listed = try StatusLabCluster.waitUntil(seconds: 90) {
      screen = try tmux.capture()
      return lab.hosts.allSatisfy { host in
        guard let row = Self.row(host.name, in: screen) else { return false }
        return Self.cpuPercent(row).map { $0 > 0 } == true
          && Self.memoryUsed(row).map { $0 > 0 } == true && row.contains(" Ready ")
      }
    }
    #expect(listed, "the Nodes screen never showed every host with figures:\n\(screen)")
    #expect(screen.hasPrefix("cluster-mgr  [Nodes 3]"), "\(screen)")

    // Enter opens the selected node's details; Esc goes back to the list.
    try tmux.keys("Enter")
    let details = try StatusLabCluster.waitUntil(seconds: 10) {
      screen = try tmux.capture()
      return screen.contains("Node lab-cp1") && screen.contains("Tailscale IP")
        && screen.contains(lab.host("lab-cp1").address)
    }
    #expect(details, "no details after Enter:\n\(screen)")
    try tmux.keys("Escape")

    // A stopped host turns N/A within two refreshes: each starts at most the interval (plus
    // the loop's one-second tick) after the previous one ended and takes at most the budget.
    try lab.stop("lab-w2")
    defer { try? lab.start("lab-w2") }
    let stoppedAt = Date()
    let limit = 2 * (Self.refresh + 1 + Self.budget)
    let unreadable = try StatusLabCluster.waitUntil(seconds: limit) {
      screen = try tmux.capture()
      return Self.row("lab-w2", in: screen)?.contains("N/A") == true
    }
    let took = Date().timeIntervalSince(stoppedAt)
    #expect(unreadable, "lab-w2 never turned N/A:\n\(screen)")
    #expect(took <= limit, "lab-w2 turned N/A after \(took) s")
    #expect(screen.contains("last known"), "\(screen)")
    #expect(Self.row("lab-w1", in: screen).flatMap(Self.cpuPercent) != nil)

    // q quits: the shell prompt is back, off the alternate screen, in cooked mode.
    try tmux.keys("q")
    let exited = try StatusLabCluster.waitUntil(seconds: 10) {
      screen = try tmux.capture()
      return screen.contains("TUI-EXIT=0")
    }
    #expect(exited, "no exit after q:\n\(screen)")
    #expect(try tmux.display("#{alternate_on}") == "0")
    #expect(try tmux.display("#{cursor_flag}") == "1")
    try tmux.shell("stty -a > \(cluster.stateDirectory)/stty-after; echo STTY-DONE")
    _ = try StatusLabCluster.waitUntil(seconds: 10) { try tmux.capture().contains("STTY-DONE") }
    let before = try String(
      contentsOfFile: cluster.stateDirectory + "/stty-before", encoding: .utf8)
    let after = try String(contentsOfFile: cluster.stateDirectory + "/stty-after", encoding: .utf8)
    #expect(after == before)
    #expect(after.contains(" icanon") && after.contains(" echo ") && !after.contains("-icanon"))
  }

  /// The pane line that starts with `host` (after the selection marker), if any.
  static func row(_ host: String, in screen: String) -> String? {
    screen.split(separator: "\n").map(String.init).first {
      $0.dropFirst(2).hasPrefix(host + " ")
    }
  }

  /// The CPU column of a node row: the first `NN%`.
  static func cpuPercent(_ row: String) -> Int? {
    guard let match = row.firstMatch(of: /\s(\d+)%\s/) else { return nil }
    return Int(match.1)
  }

  /// The used part of the MEMORY column: the first `used/total unit`.
  static func memoryUsed(_ row: String) -> Double? {
    guard let match = row.firstMatch(of: /\s(\d+(?:\.\d+)?)\/\d+(?:\.\d+)? (?:GiB|MiB|TiB)/)
    else { return nil }
    return Double(match.1)
  }
}

/// A private tmux server with one shell window of a fixed size.
struct TmuxSession {
  let socket: String

  /// Starts `bash --norc` in a 160×40 window on a server of its own.
  ///
  /// The server outlives the command that starts it, so it must inherit none of that
  /// command's descriptors: not its output pipes, and not the socket through which Foundation's
  /// `Process` learns that its child ended (a daemon holding it makes `waitUntilExit()` wait
  /// forever). The command closes every descriptor above 2 and runs tmux on /dev/null.
  init(name: String) throws {
    socket = name
    let closeAndRun =
      "for fd in $(ls /proc/$$/fd); do if [ \"$fd\" -gt 2 ]; then eval \"exec $fd>&-\"; fi; "
      + "done 2>/dev/null; exec \"$0\" \"$@\" </dev/null >/dev/null 2>&1"
    let started = try ProcessRunner.run([
      "bash", "-c", closeAndRun, "tmux", "-L", socket, "-f", "/dev/null", "new-session", "-d",
      "-s", "main", "-x", "160", "-y", "40", "env", "TERM=screen", "PS1=$ ", "bash", "--norc",
      "--noprofile",
    ])
    try #require(started.status == 0, "tmux new-session failed (\(started.status))")
    try run(["has-session", "-t", "main"])
  }

  /// Types `line` and Enter into the shell.
  func shell(_ line: String) throws {
    try run(["send-keys", "-t", "main", "-l", line])
    try run(["send-keys", "-t", "main", "Enter"])
  }

  /// Presses keys (tmux key names: `Enter`, `Escape`, `q`).
  func keys(_ keys: String...) throws { try run(["send-keys", "-t", "main"] + keys) }

  /// The visible pane as text.
  func capture() throws -> String { try run(["capture-pane", "-p", "-t", "main"]).stdout }

  /// A tmux format for the pane (`#{alternate_on}`).
  func display(_ format: String) throws -> String {
    try run(["display-message", "-p", "-t", "main", format]).stdout
      .trimmingCharacters(in: .whitespacesAndNewlines)
  }

  /// Stops this tmux server and the shell in it.
  ///
  /// The shell is killed first and the server then ends with its last pane (under the test
  /// runner, `kill-server` alone left servers running with their shell).
  func end() {
    if let pid = try? display("#{pane_pid}"), let number = Int32(pid), number > 1 {
      kill(number, SIGKILL)
    }
    // The server usually ended with its pane already; only a server still running is stopped.
    _ = try? ProcessRunner.run(["tmux", "-L", socket, "kill-server"])
  }

  @discardableResult
  private func run(_ arguments: [String]) throws -> ProcessResult {
    let result = try ProcessRunner.run(["tmux", "-L", socket] + arguments)
    try #require(result.status == 0, "tmux \(arguments.joined(separator: " ")): \(result.stderr)")
    return result
  }
}

/// `cluster-mgr tui` without a terminal refuses to start, says why and suggests `status`.
struct TuiWithoutTerminalTests {
  @Test func refusesToStartWithoutATerminal() throws {
    let result = try ProcessRunner.run(
      [Repository.clusterMgrBinary, "tui", "-i", "/nonexistent/hosts.yml"], input: "q")
    #expect(result.status == 3)
    #expect(result.stderr.hasPrefix("error: cluster-mgr tui needs an interactive terminal"))
    #expect(result.stderr.contains("cluster-mgr status"))
    #expect(result.stdout.isEmpty)
  }
}
