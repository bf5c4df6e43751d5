import Basics
import Foundation

/// The exec request for a ``RemoteCommand``: one `sh` line in which every value is a quoted word.
///
/// Shape (each part only when needed):
/// `sudo -n|-S -p PROMPT -H -u root -- /bin/sh -c 'printf MARKER >&2; exec "$@"' MARKER`
/// `timeout -k GRACE LIMIT env K=V… /bin/sh -c SCRIPT | argv…`
/// `timeout` puts the command in its own process group and signals the whole group when the
/// limit passes, so nothing the command started outlives it.
struct RemoteCommandLine: Equatable {
  /// How sudo is used.
  enum Become: Equatable {
    case none
    /// `sudo -n`: fails at once when a password would be needed.
    case nonInteractive
    /// `sudo -S -p PROMPT`: the password goes to standard input when PROMPT shows on stderr.
    case password(prompt: String)
  }

  let text: String
  let become: Become
  /// Printed on stderr by the command once sudo let it start; nil without sudo.
  let marker: String?
  let timeout: Duration?

  static let exitTimedOut: Int32 = 124

  static func build(
    _ command: RemoteCommand, timeout: Duration?, killGrace: Duration, withPassword: Bool,
    nonce: String, host: String
  ) throws(SSHError) -> RemoteCommandLine {
    func invalid(_ reason: String) -> SSHError {
      SSHError(.invalidRequest, host: host, step: command.label, reason: reason)
    }
    var words: [String]
    switch command.program {
    case .script(let script): words = ["/bin/sh", "-c", script]
    case .argv(let argv):
      guard let first = argv.first, !first.isEmpty else {
        throw invalid("the command has no program to run.")
      }
      if !command.environment.isEmpty, first.contains("=") {
        throw invalid("the program name \(ShellQuote.quote(first)) contains '='.")
      }
      words = argv
    }
    if !command.environment.isEmpty {
      var assignments: [String] = []
      for (key, value) in command.environment.sorted(by: { $0.key < $1.key }) {
        guard isVariableName(key) else {
          throw invalid("\(ShellQuote.quote(key)) is not a valid environment variable name.")
        }
        assignments.append(key + "=" + value)
      }
      words = ["env"] + assignments + words
    }
    if let timeout {
      words = ["timeout", "-k", seconds(killGrace), seconds(timeout)] + words
    }
    var become = Become.none
    var marker: String?
    if command.sudo {
      let mark = "cluster-mgr-become-ok-" + nonce
      marker = mark
      words = ["/bin/sh", "-c", "printf '%s\\n' \"$0\" >&2; exec \"$@\"", mark] + words
      if withPassword {
        let prompt = "[cluster-mgr sudo password " + nonce + "]"
        become = .password(prompt: prompt)
        words = ["sudo", "-S", "-p", prompt, "-H", "-u", "root", "--"] + words
      } else {
        become = .nonInteractive
        words = ["sudo", "-n", "-H", "-u", "root", "--"] + words
      }
    }
    guard !words.contains(where: { $0.utf8.contains(0) }) else {
      throw invalid("the command or its environment contains a NUL byte.")
    }
    return RemoteCommandLine(
      text: ShellQuote.join(words), become: become, marker: marker, timeout: timeout)
  }

  static func isVariableName(_ name: String) -> Bool {
    guard let first = name.utf8.first, first == UInt8(ascii: "_") || isLetter(first) else {
      return false
    }
    return name.utf8.allSatisfy { $0 == UInt8(ascii: "_") || isLetter($0) || isDigit($0) }
  }

  private static func isLetter(_ c: UInt8) -> Bool {
    (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(c)
      || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(c)
  }

  private static func isDigit(_ c: UInt8) -> Bool {
    (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(c)
  }

  /// `timeout` takes fractional seconds: `2.500s`.
  static func seconds(_ duration: Duration) -> String {
    let ms = max(1, duration.milliseconds)
    return String(format: "%d.%03ds", Int(ms / 1000), Int(ms % 1000))
  }
}
