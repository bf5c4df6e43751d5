import Basics
import Foundation

/// One line in a text file: the last line matching a pattern is replaced, or the line appended;
/// or, with `absent`, every matching line removed. Other lines are kept byte for byte.
/// ``init(_:lines:createMode:)`` keeps several lines in one task and one write (Ansible's
/// `lineinfile` in a loop), each edit seeing the ones before it.
public struct LineInFile: Resource {
  /// The file.
  public var path: String
  /// A regular expression (ICU syntax, matched against each line).
  public var pattern: String
  /// The desired line (nil: remove every matching line).
  public var line: String?
  /// Mode, owner and group if the file has to be created.
  public var createMode: Int
  /// Further (pattern, line) edits applied after the first, in order.
  var moreLines: [(pattern: String, line: String)] = []

  /// Keeps `line` in `path`, replacing the last line that matches `pattern`.
  public init(_ path: String, matching pattern: String, line: String, createMode: Int = 0o644) {
    self.path = path
    self.pattern = pattern
    self.line = line
    self.createMode = createMode
  }

  /// Keeps every line of `lines` in `path`, in order, in one write: each replaces the last line
  /// matching its pattern, or is appended. `lines` must not be empty.
  public init(_ path: String, lines: [(matching: String, line: String)], createMode: Int = 0o644) {
    precondition(!lines.isEmpty, "LineInFile needs at least one line")
    self.init(path, matching: lines[0].matching, line: lines[0].line, createMode: createMode)
    moreLines = lines.dropFirst().map { ($0.matching, $0.line) }
  }

  /// Removes every line of `path` matching `pattern`.
  public init(_ path: String, absent pattern: String) {
    self.path = path
    self.pattern = pattern
    self.line = nil
    self.createMode = 0o644
  }

  public func probeScript(_ context: PlanContext) -> String {
    """
    p=\(ShellSnippets.q(path))
    cm_stat_of "$p"
    if [ "$cm_t" = f ] || [ -f "$p" ]; then
      echo type=file
      if [ "$cm_t" = f ]; then echo "mode=$cm_m owner=$cm_o group=$cm_g"; else stat -L -c 'mode=%a owner=%U group=%G' "$p"; fi
      printf 'content='; base64 -w0 < "$p"; echo
    elif [ -e "$p" ]; then echo type=other; else echo type=absent; fi
    """
  }
  public func statPaths(_ context: PlanContext) -> [String] { [path] }
  public var probeSharesShell: Bool { true }

  public func plan(current: ProbeSection, context: PlanContext) throws -> Plan {
    guard let type = current["type"] else { throw PlanError("could not read \(path)") }
    if type == "other" { throw PlanError("\(path) is not a regular file") }
    func invalid(_ pattern: String, _ error: any Error) -> PlanError {
      PlanError("invalid pattern \(pattern) for \(path): \(error)")
    }
    let original = context.overlay[path] ?? current.data("content") ?? Data()
    if type == "absent" && line == nil && context.overlay[path] == nil {
      return .ok("\(path) is absent")
    }
    let text = String(decoding: original, as: UTF8.self)
    var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    let endsWithNewline = text.isEmpty || text.hasSuffix("\n")
    if endsWithNewline && !lines.isEmpty { lines.removeLast() }
    var updated = lines
    var summary: String
    if let line {
      var edits: [String] = []
      for (pattern, wanted) in [(pattern, line)] + moreLines {
        let found: Int?
        do { found = try LinePatterns.shared.lastIndex(in: updated, matching: pattern) } catch {
          throw invalid(pattern, error)
        }
        if let last = found {
          if updated[last] == wanted { continue }
          updated[last] = wanted
          edits.append("replace line \(last + 1)")
        } else if !updated.contains(wanted) {
          updated.append(wanted)
          edits.append("append line")
        }
      }
      // Several edits may cancel out (two patterns taking turns on one line): what counts is the
      // content they leave.
      if edits.isEmpty || updated == lines {
        return .ok("\(path): \(moreLines.isEmpty ? "line" : "lines") present")
      }
      summary =
        "\(path): "
        + (edits.count == 1
          ? edits[0]
          : "\(edits.count) lines (\(edits.filter { $0.hasPrefix("append") }.count) appended)")
    } else {
      do { updated = try LinePatterns.shared.removingMatches(of: pattern, from: lines) } catch {
        throw invalid(pattern, error)
      }
      if updated.count == lines.count { return .ok("\(path): no matching line") }
      summary = "\(path): remove \(lines.count - updated.count) line(s)"
    }
    var newText = updated.joined(separator: "\n")
    if endsWithNewline || line != nil { newText += updated.isEmpty ? "" : "\n" }
    let newData = Data(newText.utf8)
    context.overlay[path] = newData
    let file = ManagedFile(
      path, content: .bytes(newData), mode: Int(current["mode"] ?? "", radix: 8) ?? createMode,
      owner: current["owner"] ?? "root", group: current["group"] ?? "root")
    let diff = context.diffMode ? UnifiedDiff.make(old: text, new: newText, path: path) : nil
    let put = [path, ShellSnippets.mode(file.mode), file.owner, file.group, newData.sha256Hex].map(ShellSnippets.q)
      .joined(separator: " ")
    return Plan(
      .change, summary, diff: diff.map(context.redactor.redact),
      apply: ShellSnippets.heredoc("cm_put \(put)", data: newData),
      verify: "[ \"$(cm_sha256_of \(ShellSnippets.q(path)))\" = \(newData.sha256Hex) ]")
  }
}
