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

  /// Parses `text`; a syntax error becomes an ``InventoryError`` naming file, line and column.
  static func parse(_ text: String, file: String) throws(InventoryError) -> YAMLDocument {
    let source = SourceText(text)
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
    var converter = Converter(file: file, source: source)
    let root = try node.map { node throws(InventoryError) in try converter.convert(node) }
    return YAMLDocument(file: file, text: text, source: source, root: root)
  }

  func location(_ node: YAMLNode) -> SourceLocation {
    SourceLocation(file: file, line: node.line, column: node.column)
  }

  /// Builds ``YAMLNode``s from Yams nodes, typing scalars as PyYAML does.
  private struct Converter {
    let file: String
    let source: SourceText

    mutating func convert(_ node: Node, after previous: (line: Int, column: Int)? = nil)
      throws(InventoryError) -> YAMLNode
    {
      let mark = (line: node.mark?.line ?? 1, column: node.mark?.column ?? 1)
      let start = source.contentStart(line: mark.line, column: mark.column)
      // Yams hands back the anchored node itself for an alias, with the anchor's position.
      var isAlias = false
      if let previous, (mark.line, mark.column) < previous { isAlias = true }
      switch node {
      case .scalar(let scalar):
        let converted = try convertScalar(scalar, line: mark.line, column: mark.column)
        return YAMLNode(
          content: .scalar(converted), line: mark.line, column: mark.column, isFlow: false,
          isAnchored: start.anchored, isAlias: isAlias)
      case .sequence(let sequence):
        var items: [YAMLNode] = []
        for item in sequence {
          items.append(try convert(item, after: (mark.line, mark.column)))
        }
        return YAMLNode(
          content: .sequence(items), line: mark.line, column: mark.column,
          isFlow: start.scalar == "[", isAnchored: start.anchored, isAlias: isAlias)
      case .mapping(let mapping):
        var entries: [YAMLEntry] = []
        for (key, value) in mapping {
          let keyNode = try convert(key)
          let valueNode = try convert(value, after: (keyNode.line, keyNode.column))
          let (name, isString) = keyName(keyNode)
          let isMerge =
            keyNode.scalar.map { $0.text == "<<" && $0.style == .plain && $0.tag == nil } ?? false
          entries.append(
            YAMLEntry(
              key: keyNode, name: name, keyIsString: isString, value: valueNode, isMerge: isMerge
            ))
        }
        return YAMLNode(
          content: .mapping(entries), line: mark.line, column: mark.column,
          isFlow: start.scalar == "{", isAnchored: start.anchored, isAlias: isAlias)
      case .alias:
        throw InventoryError(
          InventoryDiagnostic(
            .error, code: "yaml-alias",
            at: SourceLocation(file: file, line: mark.line, column: mark.column),
            "unsupported YAML alias"))
      }
    }

    func convertScalar(_ scalar: Node.Scalar, line: Int, column: Int) throws(InventoryError)
      -> YAMLScalar
    {
      let style: YAMLScalar.Style
      switch scalar.style {
      case .singleQuoted: style = .singleQuoted
      case .doubleQuoted: style = .doubleQuoted
      case .literal: style = .literal
      case .folded: style = .folded
      case .plain, .any: style = .plain
      }
      // libyaml reports quoted scalars without a tag as `!!str`, and Yams fills in the tag of
      // mapping keys when it checks them for duplicates: trust only a tag written in the text.
      let tagName = scalar.tag.rawValue
      let explicitTag: String? = hasTag(line, column) && !tagName.isEmpty ? tagName : nil
      let value: InventoryValue
      if let explicitTag {
        guard let typed = ScalarResolver.resolve(scalar.string, tag: explicitTag) else {
          throw InventoryError(
            InventoryDiagnostic(
              .error, code: "yaml-tag", at: SourceLocation(file: file, line: line, column: column),
              "'\(scalar.string)' is not a valid value for the tag \(explicitTag)"))
        }
        value = typed
      } else if style == .plain {
        value = ScalarResolver.resolvePlain(scalar.string)
      } else {
        value = .string(scalar.string)
      }
      return YAMLScalar(text: scalar.string, style: style, tag: explicitTag, value: value)
    }

    /// True when the text at a mark starts with an explicit tag.
    func hasTag(_ line: Int, _ column: Int) -> Bool {
      var index = column
      while let scalar = source.scalar(line: line, column: index), scalar == "&" {
        while let next = source.scalar(line: line, column: index), next != " " { index += 1 }
        while source.scalar(line: line, column: index) == " " { index += 1 }
      }
      return source.scalar(line: line, column: index) == "!"
    }

    func keyName(_ key: YAMLNode) -> (String, Bool) {
      switch key.content {
      case .scalar(let scalar):
        switch scalar.value {
        case .string(let string): return (string, true)
        case .null: return (scalar.text.isEmpty ? "null" : scalar.text, false)
        case .int, .double, .bool, .list, .map: return (JSONText.compact(scalar.value), false)
        }
      case .mapping, .sequence:
        return (JSONText.compact(key.value), false)
      }
    }
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
      return describe(
        problem: problem, context: context?.text, contextLine: context?.mark.line,
        line: mark.line, column: mark.column, file: file, source: source)
    case .duplicatedKeysInMapping(let duplicates, let context):
      let key = duplicates.first ?? "?"
      let location = secondOccurrence(of: key, after: context.mark, source: source)
      return InventoryDiagnostic(
        .error, code: "duplicate-key", subject: key,
        at: at(location.line, location.column),
        "duplicate key '\(key)' (first defined on line \(context.mark.line)); YAML keys must be unique",
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
