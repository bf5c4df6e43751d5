import OrderedCollections

/// Edits one YAML document by replacing whole lines, leaving every other byte as it was, and
/// keeps the value tree the result must parse to, so the edit can be checked before it is
/// written.
///
/// Entries are located with the start marks of a fresh parse after every step. An entry ends at
/// the last following line indented deeper than its key (blank lines inside count, trailing
/// ones do not). Comment lines directly above a key, at the key's indentation, belong to it.
struct DocumentEditor {
  let file: String
  private(set) var buffer: LineBuffer
  /// What the document must read as after the edits made so far.
  private(set) var expected: InventoryValue
  let renderer: YAMLRenderer
  /// One line per edit, for the summary.
  private(set) var log: [String] = []

  /// What an emptied mapping turns into: nothing (`key:`, null) or `key: {}`.
  enum Emptied {
    case null
    case emptyMap
  }

  init(text: String, file: String) throws(InventoryError) {
    let document = try YAMLDocument.parse(text, file: file)
    self.file = file
    buffer = LineBuffer(text)
    expected = document.root?.value ?? .null
    renderer = Self.style(of: document)
  }

  var text: String { buffer.text }

  // MARK: - Operations

  /// Sets the value at `path` (mapping keys from the root), creating missing mappings.
  mutating func set(_ path: [String], to value: InventoryValue) throws(InventoryError) {
    precondition(!path.isEmpty)
    let document = try current()
    let chain = try existingChain(document, path)
    if chain.count == path.count {
      let container = chain.count >= 2 ? chain[chain.count - 2].value : document.root
      if let container, let span = flowSpan(container) {
        try replaceInFlow(chain.last!, span: span, with: value, document: document)
      } else {
        try replaceValue(of: chain.last!, in: document, with: value, path: path)
      }
    } else {
      var nested = value
      for key in path[(chain.count + 1)...].reversed() { nested = .map([key: nested]) }
      try insert(
        key: path[chain.count], value: nested, into: chain.last, document: document,
        path: Array(path[..<chain.count]))
    }
    expected = Self.setting(expected, path[...], value)
    log.append("set \(path.joined(separator: "."))")
  }

  /// Removes the entry at `path` with the comment lines directly above it.
  mutating func remove(_ path: [String], emptied: Emptied) throws(InventoryError) {
    let document = try current()
    let chain = try existingChain(document, path)
    guard chain.count == path.count, let entry = chain.last else {
      throw Self.error(
        "not-found", at: nil, "\(path.joined(separator: ".")) is not set in \(file)")
    }
    let container = chain.count >= 2 ? chain[chain.count - 2].value : document.root
    if let container, let span = flowSpan(container) {
      try removeInFlow(entry, span: span, document: document)
      expected = Self.removing(expected, path[...], emptied: .emptyMap)
      log.append("removed \(path.joined(separator: ".")) (line \(span.line + 1))")
      return
    }
    try requireBlockEntry(entry, document, path: path)
    let keyLine = entry.key.line - 1
    let keyIndent = entry.key.column - 1
    var start = commentBlockStart(keyLine, keyIndent)
    var end = extentEnd(keyLine, keyIndent) + 1
    // Keep the spacing as it was without the entry: drop one blank line that separated it.
    let startsMapping =
      start == 0
      || (!buffer.isBlank(start - 1) && buffer.indent(start - 1) < keyIndent
        && !buffer.isComment(start - 1))
    let nextIsBlank = end < buffer.count && buffer.isBlank(end)
    let endsMapping =
      end >= buffer.count || (!buffer.isBlank(end) && buffer.indent(end) < keyIndent)
    if start > 0, buffer.isBlank(start - 1), nextIsBlank || endsMapping {
      start -= 1
    } else if startsMapping, nextIsBlank {
      end += 1
    }
    let parentEntries =
      chain.count >= 2 ? chain[chain.count - 2].value.entries : document.root?.entries
    let isLast = (parentEntries?.count ?? 0) == 1
    buffer.replace(start..<end, with: [])
    if isLast, emptied == .emptyMap, chain.count >= 2 {
      // The parent lost its only entry: write `parent: {}` so it stays an (empty) mapping.
      let parent = try current()
      let parentChain = try existingChain(parent, Array(path.dropLast()))
      if let parentEntry = parentChain.last { try writeInline(" {}", after: parentEntry) }
    }
    expected = Self.removing(expected, path[...], emptied: emptied)
    log.append("removed \(path.joined(separator: ".")) (lines \(start + 1)-\(end))")
  }

  /// Checks that the text parses to exactly the expected value tree.
  func verify() throws(InventoryError) {
    let document = try current()
    let actual = document.root?.value ?? .null
    guard actual == expected else {
      throw Self.error(
        "edit-mismatch", at: nil,
        "the edit of \(file) would change more than intended (anchors, aliases or unusual layout?); nothing was written",
        remedy: "make this change by hand, then run `cluster-mgr inventory --validate`")
    }
  }

  // MARK: - Locating

  private func current() throws(InventoryError) -> YAMLDocument {
    try YAMLDocument.parse(buffer.text, file: file)
  }

  /// The entries along `path` that exist (a prefix of the path).
  private func existingChain(_ document: YAMLDocument, _ path: [String]) throws(InventoryError)
    -> [YAMLEntry]
  {
    var chain: [YAMLEntry] = []
    var node = document.root
    for key in path {
      guard let current = node, let entries = current.entries else { break }
      guard let entry = entries.first(where: { $0.name == key && !$0.isMerge }) else {
        if entries.contains(where: \.isMerge), case .map(let merged) = current.value,
          merged[key] != nil
        {
          throw Self.error(
            "merge-key", at: document.location(current),
            "'\(key)' comes from a YAML merge key (<<) here; edit the anchored mapping by hand")
        }
        break
      }
      if entry.value.isAlias || entry.value.isAnchored {
        throw Self.error(
          "anchor", at: document.location(entry.key),
          "'\(key)' uses a YAML anchor or alias; cluster-mgr does not edit shared values",
          remedy: "edit this entry by hand")
      }
      chain.append(entry)
      node = entry.value
    }
    return chain
  }

  private func requireBlockEntry(_ entry: YAMLEntry, _ document: YAMLDocument, path: [String])
    throws(InventoryError)
  {
    let line = entry.key.line - 1
    guard line < buffer.count, buffer.indent(line) == entry.key.column - 1 else {
      throw Self.error(
        "flow-style", at: document.location(entry.key),
        "'\(path.joined(separator: "."))' is written in flow style ({…} or on one line with others); cluster-mgr only edits block style",
        remedy: "rewrite that part in block style (one key per line), then retry")
    }
  }

  /// The last line (0-based) of the entry whose key is on `keyLine` at `keyIndent`.
  func extentEnd(_ keyLine: Int, _ keyIndent: Int) -> Int {
    var end = keyLine
    var index = keyLine + 1
    while index < buffer.count {
      if buffer.isBlank(index) {
        index += 1
        continue
      }
      // A block list may sit at the key's own indentation (`key:` then `- item`).
      let isSameIndentItem =
        buffer.indent(index) == keyIndent && Self.startsListItem(buffer[index])
      guard buffer.indent(index) > keyIndent || isSameIndentItem else { break }
      end = index
      index += 1
    }
    return end
  }

  /// True for a line whose content is a block list item (`- x` or a lone `-`).
  static func startsListItem(_ line: String) -> Bool {
    let content = line.drop { $0 == " " }
    return content == "-" || content.hasPrefix("- ")
  }

  /// The first line of the comment block directly above `keyLine` at the same indentation.
  ///
  /// A block that reaches the top of the file is the file's header and stays.
  func commentBlockStart(_ keyLine: Int, _ keyIndent: Int) -> Int {
    var start = keyLine
    while start > 0, buffer.isComment(start - 1), buffer.indent(start - 1) == keyIndent {
      start -= 1
    }
    return start == 0 ? keyLine : start
  }

  // MARK: - Splicing

  /// Adds `key: value` to the mapping that is the value of `parent` (or the root).
  private mutating func insert(
    key: String, value: InventoryValue, into parent: YAMLEntry?, document: YAMLDocument,
    path: [String]
  ) throws(InventoryError) {
    let container = parent?.value ?? document.root
    if let container, let span = flowSpan(container) {
      try insertInFlow(
        key: key, value: value, span: span, isEmpty: container.entries?.isEmpty ?? true)
      return
    }
    if let parent { try requireBlockEntry(parent, document, path: path) }
    if let container, let entries = container.entries, !entries.isEmpty {
      guard !container.isFlow else {
        throw Self.error(
          "flow-style", at: document.location(container),
          "'\(path.joined(separator: "."))' is a flow mapping ({…}); cluster-mgr only edits block style",
          remedy: "rewrite it in block style (one key per line), then retry")
      }
      let indent = container.column - 1
      let last = entries.max { ($0.key.line, $0.key.column) < ($1.key.line, $1.key.column) }!
      let at = extentEnd(last.key.line - 1, last.key.column - 1) + 1
      buffer.replace(at..<at, with: renderer.entry(key: key, value: value, indent: indent))
      return
    }
    // An empty container: the root of an empty file, `key:` / `key: ~` / `key: {}`.
    if let container, !(container.isNull || container.entries?.isEmpty == true) {
      throw Self.error(
        "not-a-mapping", at: document.location(container),
        "'\(path.joined(separator: "."))' is a \(container.value.typeName), not a mapping, so it cannot hold '\(key)'",
        remedy: "unset it first or set it as a whole")
    }
    guard let parent else {
      buffer.replace(
        buffer.count..<buffer.count, with: renderer.entry(key: key, value: value, indent: 0))
      return
    }
    let keyLine = parent.key.line - 1
    let keyIndent = parent.key.column - 1
    try clearInlineValue(of: parent)
    let at = extentEnd(keyLine, keyIndent) + 1
    buffer.replace(
      at..<at, with: renderer.entry(key: key, value: value, indent: keyIndent + renderer.unit))
  }

  /// Replaces the value of an existing entry.
  private mutating func replaceValue(
    of entry: YAMLEntry, in document: YAMLDocument, with value: InventoryValue, path: [String]
  ) throws(InventoryError) {
    try requireBlockEntry(entry, document, path: path)
    let keyLine = entry.key.line - 1
    let keyIndent = entry.key.column - 1
    let end = extentEnd(keyLine, keyIndent)
    let line = Array(buffer[keyLine].unicodeScalars)
    guard let colon = LineScanner.keyEnd(line, from: keyIndent) else {
      throw Self.error(
        "layout", at: document.location(entry.key),
        "cannot find the end of the key '\(entry.name)' on its line", remedy: "edit it by hand")
    }
    let isBlockValue: Bool
    switch value {
    case .map(let map): isBlockValue = !map.isEmpty
    case .list(let items): isBlockValue = !items.isEmpty
    default: isBlockValue = false
    }
    let old = entry.value
    let valueStart = old.isEmptyScalar ? nil : Optional(old.column - 1)
    // A one-line scalar stays on its line: only the value's characters change.
    if !isBlockValue, end == keyLine, old.scalar != nil,
      old.line - 1 == keyLine || old.isEmptyScalar
    {
      let start = valueStart ?? (colon + 1)
      let stop = valueStart.flatMap { LineScanner.valueEnd(line, from: $0) } ?? (colon + 1)
      if valueStart == nil || LineScanner.valueEnd(line, from: start) != nil {
        let quotes = old.scalar?.style
        var rendered = YAMLRenderer.scalar(value, preferSingleQuotes: quotes == .singleQuoted)
        if quotes == .doubleQuoted, case .string(let string) = value {
          rendered = YAMLRenderer.doubleQuoted(string)
        }
        if valueStart == nil { rendered = " " + rendered }
        var scalars = line
        scalars.replaceSubrange(start..<stop, with: rendered.unicodeScalars)
        buffer.replace(keyLine..<keyLine + 1, with: [String(String.UnicodeScalarView(scalars))])
        return
      }
    }
    // Otherwise the entry's lines are rewritten, keeping the key as written and its comment.
    let keyText = String(String.UnicodeScalarView(line[keyIndent..<colon]))
    var lines = renderer.entry(keyText: keyText, value: value, indent: keyIndent)
    if let comment = trailingComment(line, after: colon + 1, value: old, keyLine: keyLine) {
      lines[0] += "  " + comment
    }
    buffer.replace(keyLine..<end + 1, with: lines)
  }

  /// The comment at the end of the key line (after the value when the value is on that line).
  private func trailingComment(
    _ line: [Unicode.Scalar], after position: Int, value: YAMLNode, keyLine: Int
  ) -> String? {
    var from = position
    if value.line - 1 == keyLine, !value.isEmptyScalar {
      let start = value.column - 1
      if value.scalar != nil {
        guard let end = LineScanner.valueEnd(line, from: start) else { return nil }
        from = end
      } else if value.isFlow {
        guard let end = LineScanner.flowEnd(line, from: start) else { return nil }
        from = end
      } else {
        return nil
      }
    }
    guard let hash = LineScanner.commentStart(line, from: from) else { return nil }
    return String(String.UnicodeScalarView(line[hash...]))
  }

  /// Removes an explicit `~`, `null` or `{}` after the key, keeping the line's comment.
  private mutating func clearInlineValue(of entry: YAMLEntry) throws(InventoryError) {
    let keyLine = entry.key.line - 1
    let line = Array(buffer[keyLine].unicodeScalars)
    guard let colon = LineScanner.keyEnd(line, from: entry.key.column - 1) else { return }
    var index = colon + 1
    while index < line.count, line[index] == " " { index += 1 }
    guard index < line.count, line[index] != "#" else { return }
    let tokenEnd: Int?
    if line[index] == "{" || line[index] == "[" {
      tokenEnd = LineScanner.flowEnd(line, from: index)
    } else {
      tokenEnd = LineScanner.valueEnd(line, from: index)
    }
    guard let tokenEnd else { return }
    var scalars = line
    scalars.removeSubrange((colon + 1)..<tokenEnd)
    buffer.replace(keyLine..<keyLine + 1, with: [String(String.UnicodeScalarView(scalars))])
  }

  /// Writes `text` right after the colon of `entry`'s key (for `key: {}`).
  private mutating func writeInline(_ text: String, after entry: YAMLEntry) throws(InventoryError) {
    let keyLine = entry.key.line - 1
    var line = Array(buffer[keyLine].unicodeScalars)
    guard let colon = LineScanner.keyEnd(line, from: entry.key.column - 1) else { return }
    line.insert(contentsOf: text.unicodeScalars, at: colon + 1)
    buffer.replace(keyLine..<keyLine + 1, with: [String(String.UnicodeScalarView(line))])
  }

  // MARK: - Flow mappings on one line

  /// A flow mapping that starts and ends on one line: that line and the columns (0-based) of
  /// its braces.
  private func flowSpan(_ node: YAMLNode) -> (line: Int, open: Int, close: Int)? {
    guard node.isFlow, node.entries != nil, node.line - 1 < buffer.count else { return nil }
    let line = Array(buffer[node.line - 1].unicodeScalars)
    var open = node.column - 1
    while open < line.count, line[open] != "{" { open += 1 }
    guard open < line.count, let end = LineScanner.flowEnd(line, from: open) else { return nil }
    return (node.line - 1, open, end - 1)
  }

  private mutating func insertInFlow(
    key: String, value: InventoryValue, span: (line: Int, open: Int, close: Int), isEmpty: Bool
  ) throws(InventoryError) {
    if value.vaultCiphertext != nil { throw Self.vaultInFlow(key, at: nil) }
    var line = Array(buffer[span.line].unicodeScalars)
    let text = YAMLRenderer.flowString(key) + ": " + YAMLRenderer.flow(value)
    if isEmpty {
      line.replaceSubrange((span.open + 1)..<span.close, with: text.unicodeScalars)
    } else {
      var at = span.close
      while at > span.open + 1, line[at - 1] == " " { at -= 1 }
      line.insert(contentsOf: (", " + text).unicodeScalars, at: at)
    }
    buffer.replace(span.line..<span.line + 1, with: [String(String.UnicodeScalarView(line))])
  }

  private mutating func replaceInFlow(
    _ entry: YAMLEntry, span: (line: Int, open: Int, close: Int), with value: InventoryValue,
    document: YAMLDocument
  ) throws(InventoryError) {
    if value.vaultCiphertext != nil {
      throw Self.vaultInFlow(entry.name, at: document.location(entry.key))
    }
    let line = Array(buffer[span.line].unicodeScalars)
    let start = entry.value.column - 1
    guard entry.value.line - 1 == span.line, !entry.value.isEmptyScalar,
      let end = LineScanner.flowScalarEnd(line, from: start)
    else {
      throw Self.error(
        "flow-style", at: document.location(entry.key),
        "cannot change '\(entry.name)' inside this flow mapping", remedy: "edit it by hand")
    }
    var scalars = line
    scalars.replaceSubrange(start..<end, with: YAMLRenderer.flow(value).unicodeScalars)
    buffer.replace(span.line..<span.line + 1, with: [String(String.UnicodeScalarView(scalars))])
  }

  /// A `!vault |` block cannot stand inside `{...}`.
  private static func vaultInFlow(_ key: String, at location: SourceLocation?) -> InventoryError {
    error(
      "flow-style", at: location,
      "cannot write the encrypted value of '\(key)' inside a one-line flow mapping ({...})",
      remedy: "rewrite the mapping in block style (one `key: value` per line), then set it again")
  }

  private mutating func removeInFlow(
    _ entry: YAMLEntry, span: (line: Int, open: Int, close: Int), document: YAMLDocument
  ) throws(InventoryError) {
    var line = Array(buffer[span.line].unicodeScalars)
    let keyStart = entry.key.column - 1
    let valueEnd: Int? =
      entry.value.isEmptyScalar
      ? LineScanner.keyEnd(line, from: keyStart).map { $0 + 1 }
      : LineScanner.flowScalarEnd(line, from: entry.value.column - 1)
    guard entry.key.line - 1 == span.line, var end = valueEnd else {
      throw Self.error(
        "flow-style", at: document.location(entry.key),
        "cannot remove '\(entry.name)' from this flow mapping", remedy: "edit it by hand")
    }
    var start = keyStart
    var after = end
    while after < line.count, line[after] == " " { after += 1 }
    if after < line.count, line[after] == "," {
      end = after + 1
      while end < line.count, line[end] == " " { end += 1 }
    } else {
      var before = start
      while before > span.open + 1, line[before - 1] == " " { before -= 1 }
      if before > span.open + 1, line[before - 1] == "," { start = before - 1 }
    }
    line.removeSubrange(start..<end)
    buffer.replace(span.line..<span.line + 1, with: [String(String.UnicodeScalarView(line))])
  }

  // MARK: - The expected value tree

  static func setting(_ tree: InventoryValue, _ path: ArraySlice<String>, _ value: InventoryValue)
    -> InventoryValue
  {
    guard let key = path.first else { return value }
    var map = tree.mapValue ?? [:]
    map[key] = setting(map[key] ?? .null, path.dropFirst(), value)
    return .map(map)
  }

  static func removing(_ tree: InventoryValue, _ path: ArraySlice<String>, emptied: Emptied)
    -> InventoryValue
  {
    guard let key = path.first, var map = tree.mapValue else { return tree }
    if path.count == 1 {
      map.removeValue(forKey: key)
      if map.isEmpty { return emptied == .null ? .null : .emptyMap }
      return .map(map)
    }
    if let child = map[key] { map[key] = removing(child, path.dropFirst(), emptied: emptied) }
    return .map(map)
  }

  // MARK: - Style

  /// The file's indentation step and list offset, from its existing block collections.
  static func style(of document: YAMLDocument) -> YAMLRenderer {
    var steps: [Int: Int] = [:]
    var offsets: [Int: Int] = [:]
    func visit(_ node: YAMLNode) {
      for entry in node.entries ?? [] {
        let value = entry.value
        guard !value.isAlias, value.line > entry.key.line else {
          visit(value)
          continue
        }
        if value.entries != nil, !value.isFlow {
          steps[value.column - entry.key.column, default: 0] += 1
        } else if value.items != nil, !value.isFlow {
          offsets[value.column - entry.key.column, default: 0] += 1
        }
        visit(value)
      }
      for item in node.items ?? [] { visit(item) }
    }
    if let root = document.root { visit(root) }
    let unit =
      steps.filter { $0.key > 0 }.max { ($0.value, -$0.key) < ($1.value, -$1.key) }?.key ?? 2
    let offset =
      offsets.filter { $0.key >= 0 }.max { ($0.value, -$0.key) < ($1.value, -$1.key) }?.key ?? unit
    return YAMLRenderer(unit: unit, sequenceOffset: offset)
  }

  static func error(
    _ code: String, at location: SourceLocation?, _ message: String, remedy: String? = nil
  ) -> InventoryError {
    InventoryError(
      InventoryDiagnostic(.error, code: code, at: location, message, remedy: remedy))
  }
}
