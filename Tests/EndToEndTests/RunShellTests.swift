import ClusterMgrTesting
import Foundation
import Testing

/// `run` and `ssh` (the real binary) on three lab hosts; no cluster needed.
@Suite(.serialized, .lab("t-run", hosts: ["lab-cp1", "lab-w1", "lab-w2"]))
struct RunShellTests {
  static let hosts = ["lab-cp1", "lab-w1", "lab-w2"]

  @Test func runPrintsOneGroupPerHostAndReportsAHostThatIsDown() throws {
    let lab = try LabInstance.required()
    let nodes = try NodesRun(lab: lab)
    defer { nodes.cleanUp() }
    let kernel = try ProcessRunner.run(["uname", "-r"]).stdout.trimmingCharacters(
      in: .whitespacesAndNewlines)

    let all = try nodes.run(["run", "uname -r"])
    #expect(all.status == 0, "\(all.stderr)")
    for host in Self.hosts {
      let group = try #require(
        RunOutput.group(of: host, in: all.stdout), "no group for \(host):\n\(all.stdout)")
      #expect(group.header.contains("ok, exit 0"))
      #expect(group.body == [kernel])
    }
    #expect(all.stdout.contains("3 hosts: 3 ok"))

    // Exit status and standard error per host, sudo, --limit.
    let failing = try nodes.run([
      "run", "id -u; echo oops >&2; exit 3", "--sudo", "--limit", "lab-w*",
    ])
    #expect(failing.status == 1)
    for host in ["lab-w1", "lab-w2"] {
      let group = try #require(RunOutput.group(of: host, in: failing.stdout))
      #expect(group.header.contains("failed, exit 3"))
      #expect(group.body == ["0", "stderr: oops"])
    }
    #expect(RunOutput.group(of: "lab-cp1", in: failing.stdout) == nil)

    // One host down: reported, the others still answer, exit status 4.
    try lab.stop("lab-w2")
    defer { try? lab.start("lab-w2") }
    let partial = try nodes.run(["run", "uname -r", "--connect-timeout", "3"])
    #expect(partial.status == 4, "\(partial.stdout)\n\(partial.stderr)")
    let down = try #require(RunOutput.group(of: "lab-w2", in: partial.stdout))
    #expect(down.header.contains("UNREACHABLE"))
    #expect(
      down.body.first?.hasPrefix("error: cannot connect to \(lab.host("lab-w2").address)") == true)
    for host in ["lab-cp1", "lab-w1"] {
      #expect(RunOutput.group(of: host, in: partial.stdout)?.body == [kernel])
    }
    #expect(partial.stdout.contains("3 hosts: 2 ok, 1 unreachable (lab-w2)"))

    let json = try nodes.run(["run", "hostname", "--output", "json", "--connect-timeout", "3"])
    let report = try #require(
      try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
    let results = try #require(report["hosts"] as? [[String: Any]])
    #expect(results.map { $0["host"] as? String } == Self.hosts)
    #expect(results.map { $0["status"] as? String } == ["ok", "ok", "unreachable"])
    #expect(results.first?["stdout"] as? String == "lab-cp1\n")
  }

  @Test func sshRunsACommandWithTheRemoteExitStatus() throws {
    let lab = try LabInstance.required()
    let nodes = try NodesRun(lab: lab)
    defer { nodes.cleanUp() }
    let plain = try nodes.run(["ssh", "lab-w1", "--", "hostname; tty; echo err >&2; exit 7"])
    #expect(plain.status == 7)
    #expect(plain.stdout == "lab-w1\nnot a tty\n")
    #expect(plain.stderr == "err\n")
    let piped = try nodes.run(["ssh", "lab-w1", "--", "tr a-z A-Z"], input: "through stdin\n")
    #expect(piped.status == 0)
    #expect(piped.stdout == "THROUGH STDIN\n")
    let unknown = try nodes.run(["ssh", "no-such-host"])
    #expect(unknown.status == 2)
  }

  @Test func sshGivesAnInteractiveShellThatFollowsTheWindow() throws {
    let lab = try LabInstance.required()
    let nodes = try NodesRun(lab: lab)
    defer { nodes.cleanUp() }
    let tmux = Tmux(socket: "cm-\(lab.name)")
    defer { tmux.killServer() }
    let exitFile = nodes.stateDirectory + "/exit-status"
    let environment = nodes.environment.map { "\($0.key)=\(ShellWord.quote($0.value))" }.sorted()
      .joined(separator: " ")
    try tmux.start(
      "env \(environment) \(ShellWord.quote(Repository.clusterMgrBinary)) ssh lab-w1; "
        + "echo $? > \(ShellWord.quote(exitFile)); sleep 60", width: 120, height: 40)
    try tmux.waitFor("lab@lab-w1:")
    try tmux.type("stty size; tty; echo hi-$((6*7))")
    try tmux.waitFor("hi-42")
    let first = try tmux.screen()
    #expect(first.contains("40 120"))
    #expect(first.contains("/dev/pts/"))

    // The new size reaches the host within cluster-mgr's next look at the window (100 ms).
    try tmux.resize(width: 100, height: 30)
    Thread.sleep(forTimeInterval: 0.5)
    try tmux.type("echo size=$(stty size)")
    try tmux.waitFor("size=30 100")

    // Ctrl-C goes to the remote foreground process, not to cluster-mgr.
    try tmux.type("sleep 100")
    Thread.sleep(forTimeInterval: 0.5)
    try tmux.keys("C-c")
    try tmux.type("echo still-$((1+1))")
    try tmux.waitFor("still-2")

    try tmux.type("exit 5")
    var waited = 0.0
    while !FileManager.default.fileExists(atPath: exitFile), waited < 20 {
      Thread.sleep(forTimeInterval: 0.2)
      waited += 0.2
    }
    let status = try String(contentsOfFile: exitFile, encoding: .utf8)
    #expect(status.trimmingCharacters(in: .whitespacesAndNewlines) == "5")
  }
}

/// Reads `cluster-mgr run` output: groups that start with `==> HOST <== …`.
enum RunOutput {
  struct Group: Equatable {
    var header: String
    var body: [String]
  }

  static func group(of host: String, in output: String) -> Group? {
    let lines = output.components(separatedBy: "\n")
    guard let start = lines.firstIndex(where: { $0.hasPrefix("==> \(host) <== ") }) else {
      return nil
    }
    var body: [String] = []
    var index = start + 1
    while index < lines.count, !lines[index].isEmpty {
      body.append(lines[index])
      index += 1
    }
    return Group(header: lines[start], body: body)
  }
}

/// Single-quotes a word for `sh`.
enum ShellWord {
  static func quote(_ text: String) -> String {
    "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
  }
}

/// A private tmux server: a real terminal for interactive tests.
struct Tmux {
  let socket: String

  @discardableResult
  func tmux(_ arguments: [String]) throws -> ProcessResult {
    let result = try ProcessRunner.run(["tmux", "-L", socket] + arguments)
    try #require(result.status == 0, "tmux \(arguments): \(result.stderr)")
    return result
  }

  /// Starts the session.
  ///
  /// Foundation's `Process` waits until every descendant has closed a
  /// descriptor it passes down, and the tmux server keeps it; so tmux is started with every
  /// descriptor above 2 closed.
  func start(_ command: String, width: Int, height: Int) throws {
    let closingDescriptors =
      "import os, sys; os.closerange(3, 65536); os.execvp(sys.argv[1], sys.argv[1:])"
    let result = try ProcessRunner.run(
      [
        "python3", "-c", closingDescriptors, "tmux", "-L", socket, "new-session", "-d", "-s", "t",
        "-x", String(width),
        "-y", String(height), command,
      ])
    try #require(result.status == 0, "tmux new-session: \(result.stderr)")
  }

  func type(_ text: String) throws {
    try tmux(["send-keys", "-t", "t", "-l", text])
    try tmux(["send-keys", "-t", "t", "Enter"])
  }

  func keys(_ key: String) throws { try tmux(["send-keys", "-t", "t", key]) }

  func resize(width: Int, height: Int) throws {
    try tmux(["resize-window", "-t", "t", "-x", String(width), "-y", String(height)])
  }

  func screen() throws -> String { try tmux(["capture-pane", "-p", "-t", "t"]).stdout }

  /// Waits up to 20 s until the screen shows `text`.
  func waitFor(_ text: String) throws {
    var waited = 0.0
    while waited < 20 {
      if try screen().contains(text) { return }
      Thread.sleep(forTimeInterval: 0.2)
      waited += 0.2
    }
    Issue.record("the screen never showed \(text):\n\(try screen())")
    throw TmuxTimeout()
  }

  func killServer() { _ = try? ProcessRunner.run(["tmux", "-L", socket, "kill-server"]) }
}

struct TmuxTimeout: Error {}
