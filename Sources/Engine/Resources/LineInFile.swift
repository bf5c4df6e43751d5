import Basics
import Foundation

/// One line in a text file: the last line matching a pattern is replaced, or the line appended;
/// or, with `absent`, every matching line removed. Other lines are kept byte for byte.
public struct LineInFile: Resource {
  /// The file.
  public var path: String
  /// A regular expression (ICU syntax, matched against each line).
  public var pattern: String
  /// The desired line (nil: remove every matching line).
  public var line: String?
  /// Mode, owner and group if the file has to be created.
  public var createMode: Int

  /// Keeps `line` in `path`, replacing the last line that matches `pattern`.
  public init(_ path: String, matching pattern: String, line: String, createMode: Int = 0o644) {
    self.path = path
    self.pattern = pattern
    self.line = line
    self.createMode = createMode
  }

  /// Removes every line of `path` matching `pattern`.
  public init(_ path: String, absent pattern: String) {
    self.path = path
    self.pattern = pattern
    self.line = nil
    self.createMode = 0o644
  }

  public func probeScript(_ context: PlanContext) -> String {
    let p = Shell.q(path)
    return """
      p=\(p)
      if [ -f "$p" ]; then echo type=file; stat -c 'mode=%a owner=%U group=%G' "$p"; echo "content=$(base64 -w0 < "$p")"
      elif [ -e "$p" ]; then echo type=other; else echo type=absent; fi
      """
  }

  public func plan(current: ProbeSection, context: PlanContext) throws -> Plan {
    guard let type = current["type"] else { throw PlanError("could not read \(path)") }
    if type == "other" { throw PlanError("\(path) is not a regular file") }
    let regex: NSRegularExpression
    do { regex = try NSRegularExpression(pattern: pattern) } catch {
      throw PlanError("invalid pattern \(pattern) for \(path): \(error)")
    }
    let original = context.overlay[path] ?? current.data("content") ?? Data()
    if type == "absent" && line == nil && context.overlay[path] == nil {
      return .ok("\(path) is absent")
    }
    let text = String(decoding: original, as: UTF8.self)
    var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    let endsWithNewline = text.isEmpty || text.hasSuffix("\n")
    if endsWithNewline && !lines.isEmpty { lines.removeLast() }
    func matches(_ s: String) -> Bool {
      regex.firstMatch(in: s, range: NSRange(s.startIndex..., in: s)) != nil
    }
    var updated = lines
    var summary: String
    if let line {
      if let last = lines.lastIndex(where: matches) {
        if lines[last] == line { return .ok("\(path): line present") }
        updated[last] = line
        summary = "\(path): replace line \(last + 1)"
      } else if lines.contains(line) {
        return .ok("\(path): line present")
      } else {
        updated.append(line)
        summary = "\(path): append line"
      }
    } else {
      updated = lines.filter { !matches($0) }
      if updated.count == lines.count { return .ok("\(path): no matching line") }
      summary = "\(path): remove \(lines.count - updated.count) line(s)"
    }
    var newText = updated.joined(separator: "\n")
    if endsWithNewline || line != nil { newText += updated.isEmpty ? "" : "\n" }
    let newData = Data(newText.utf8)
    context.overlay[path] = newData
    let file = File(
      path, content: .bytes(newData), mode: Int(current["mode"] ?? "", radix: 8) ?? createMode,
      owner: current["owner"] ?? "root", group: current["group"] ?? "root")
    let diff = context.diffMode ? UnifiedDiff.make(old: text, new: newText, path: path) : nil
    let put = [path, Shell.mode(file.mode), file.owner, file.group, newData.sha256Hex].map(Shell.q)
      .joined(separator: " ")
    return Plan(
      .change, summary, diff: diff.map(context.redactor.redact),
      apply: Shell.heredoc("cm_put \(put)", base64: newData.base64Lines),
      verify: "[ \"$(cm_sha256_of \(Shell.q(path)))\" = \(newData.sha256Hex) ]")
  }
}
