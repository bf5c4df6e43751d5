import Foundation
import OrderedCollections
import Yams

/// One parsed YAML file: its text, its lines and its root node (nil for an empty file).
struct YAMLDocument: Sendable {
  /// The file as the user named it, for messages.
  let file: String
  let text: String
  let source: SourceText
  let root: YAMLNode?

  /// True when the text was read as JSON (Ansible tries JSON first, whatever the file is called).
  var isJSON = false

  /// Parses `text` as Ansible's loader does: as JSON when it is valid JSON (so `1e3` is a float
  /// there), else as YAML 1.1.
  ///
  /// A syntax error becomes an ``InventoryError`` naming file, line and column.
  static func parse(_ text: String, file: String) throws(InventoryError) -> YAMLDocument {
    let source = SourceText(text)
    if let root = JSONDocumentReader.read(text, file: file) {
      var document = YAMLDocument(file: file, text: text, source: source, root: try root.get())
      document.isJSON = true
      return document
    }
    let node: Node?
    do {
      node = try Parser(yaml: text, resolver: .basic).singleRoot()
    } catch let error as YamlError {
      throw InventoryError(syntaxDiagnostic(error, file: file, source: source))
    } catch {
      throw InventoryError(
        InventoryDiagnostic(
          .error, code: "yaml-syntax", at: SourceLocation(file: file, line: 1, column: 1),
          "cannot read YAML: \(error)"))
    }
    var converter = YAMLConverter(
      file: file, source: source, hasByteOrderMark: text.unicodeScalars.first == "\u{FEFF}")
    let root = try node.map { node throws(InventoryError) in try converter.convert(node) }
    return YAMLDocument(file: file, text: text, source: source, root: root)
  }

  func location(_ node: YAMLNode) -> SourceLocation {
    SourceLocation(file: file, line: node.line, column: node.column)
  }

  /// Turns a libyaml/Yams error into one clear diagnostic with a position.
  static func syntaxDiagnostic(_ error: YamlError, file: String, source: SourceText)
    -> InventoryDiagnostic
  {
    func at(_ line: Int, _ column: Int) -> SourceLocation {
      SourceLocation(file: file, line: line, column: column)
    }
    switch error {
    case .scanner(let context, let problem, let mark, _),
      .parser(let context, let problem, let mark, _),
      .composer(let context, let problem, let mark, _):
      let column = mark.line == 1 && source.hasByteOrderMark ? mark.column - 1 : mark.column
      return describe(
        problem: problem, context: context?.text, contextLine: context?.mark.line,
        line: mark.line, column: max(1, column), file: file, source: source)
    case .duplicatedKeysInMapping(let duplicates, let context):
      let key = duplicates.first ?? "?"
      let location = secondOccurrence(of: key, after: context.mark, source: source)
      return InventoryDiagnostic(
        .error, code: "duplicate-key", subject: key,
        at: at(location.line, location.column),
        "duplicate key '\(key)' (first defined on line \(context.mark.line)); YAML keys must be unique "
          + "(Ansible warns and keeps the last value)",
        remedy: "remove one of the two '\(key)' entries or merge them")
    case .reader(let problem, let offset, _, let text):
      var line = 1
      var column = 1
      if let offset {
        for character in text.prefix(offset) {
          if character == "\n" || character == "\r\n" {
            line += 1
            column = 1
          } else {
            column += character.unicodeScalars.count
          }
        }
      }
      return InventoryDiagnostic(
        .error, code: "yaml-encoding", at: at(line, column), "cannot read the file: \(problem)",
        remedy: "save the file as UTF-8 text without control characters")
    default:
      return InventoryDiagnostic(
        .error, code: "yaml-syntax", at: at(1, 1), "cannot read YAML: \(error)")
    }
  }

  private static func describe(
    problem: String, context: String?, contextLine: Int?, line: Int, column: Int, file: String,
    source: SourceText
  ) -> InventoryDiagnostic {
    let location = SourceLocation(file: file, line: line, column: column)
    let text = source.lines.indices.contains(line - 1) ? source.lines[line - 1] : []
    let leading = text.prefix { $0 == " " || $0 == "\t" }
    if leading.contains("\t") || source.scalar(line: line, column: column) == "\t" {
      let tabColumn = (text.firstIndex(of: "\t") ?? (column - 1)) + 1
      return InventoryDiagnostic(
        .error, code: "yaml-tab", at: SourceLocation(file: file, line: line, column: tabColumn),
        "tab character in indentation; YAML indentation must use spaces",
        remedy: "replace the tab on line \(line) with spaces")
    }
    var message = "invalid YAML: \(problem)"
    if let context, let contextLine { message += " (\(context) started on line \(contextLine))" }
    let indentationProblems = [
      "did not find expected key", "mapping values are not allowed in this context",
      "did not find expected '-' indicator", "did not find expected node content",
      "could not find expected ':'", "while parsing a block mapping",
      "block sequence entries are not allowed in this context",
    ]
    let isIndentation = indentationProblems.contains { problem.contains($0) }
    return InventoryDiagnostic(
      .error, code: isIndentation ? "yaml-indentation" : "yaml-syntax", at: location,
      isIndentation ? "bad indentation or structure: \(problem)" : message,
      remedy: isIndentation
        ? "check that line \(line) is indented like its siblings (spaces only, same column)"
        : nil)
  }

  /// Where the second `key:` entry sits, searching the lines after the first one at its column.
  private static func secondOccurrence(of key: String, after first: Mark, source: SourceText)
    -> (line: Int, column: Int)
  {
    let candidates = [key, "\"\(key)\"", "'\(key)'"]
    var lineNumber = first.line + 1
    while lineNumber <= source.lines.count {
      let text = source.line(lineNumber)
      let indent = text.prefix { $0 == " " }.count
      if indent + 1 == first.column {
        let rest = text.dropFirst(indent)
        for candidate in candidates where rest.hasPrefix(candidate + ":") {
          return (lineNumber, first.column)
        }
      }
      if indent + 1 < first.column, !text.trimmingCharacters(in: .whitespaces).isEmpty,
        !text.trimmingCharacters(in: .whitespaces).hasPrefix("#")
      {
        break
      }
      lineNumber += 1
    }
    return (first.line, first.column)
  }
}
