import Basics
import OrderedCollections

/// One problem found in an inventory: how bad, where, what, and what to do.
public struct InventoryDiagnostic: Hashable, Sendable, CustomStringConvertible {
  /// Errors stop every command; warnings are printed and do not.
  public enum Severity: String, Hashable, Sendable {
    case error
    case warning
  }

  /// Error or warning.
  public var severity: Severity
  /// A stable identifier of the rule (`duplicate-ip`, `yaml-syntax`, ...).
  public var code: String
  /// What the rule was checking (a host, group or variable), to compare runs.
  public var subject: String
  /// Where the problem is; nil when it is not tied to a place in a file.
  public var location: SourceLocation?
  /// One or two sentences saying what is wrong.
  public var message: String
  /// What to do about it, when there is something to do.
  public var remedy: String?

  /// A diagnostic.
  public init(
    _ severity: Severity, code: String, subject: String = "", at location: SourceLocation?,
    _ message: String, remedy: String? = nil
  ) {
    self.severity = severity
    self.code = code
    self.subject = subject
    self.location = location
    self.message = message
    self.remedy = remedy
  }

  /// True for errors.
  public var isError: Bool { severity == .error }

  /// `file:line:col: error: message` (and the remedy on the next line).
  ///
  /// Control characters of names and values quoted in the message print as visible escapes.
  public var description: String {
    var text = location.map { "\(PrintableText.escaped($0.description)): " } ?? ""
    text += "\(severity.rawValue): \(PrintableText.escaped(message))"
    if let remedy { text += "\n  fix: \(PrintableText.escaped(remedy))" }
    return text
  }
}

/// An inventory that cannot be used.
///
/// It does not parse, has the wrong shape, or breaks a rule. Exit status 2 (invalid input); nothing
/// was changed.
public struct InventoryError: OperatorError {
  /// The errors, first one first (at least one).
  public var diagnostics: [InventoryDiagnostic]

  /// An error made of diagnostics.
  public init(_ diagnostics: [InventoryDiagnostic]) {
    self.diagnostics = diagnostics
  }

  /// An error made of one diagnostic.
  public init(_ diagnostic: InventoryDiagnostic) {
    self.diagnostics = [diagnostic]
  }

  /// An error with a message and no file location.
  public init(code: String, _ message: String, remedy: String? = nil) {
    self.diagnostics = [InventoryDiagnostic(.error, code: code, at: nil, message, remedy: remedy)]
  }

  public var message: String {
    diagnostics.map { diagnostic in
      (diagnostic.location.map { "\($0): " } ?? "") + diagnostic.message
    }.joined(separator: "\n")
  }

  public var remedy: String? {
    let remedies = diagnostics.compactMap(\.remedy)
    return remedies.isEmpty ? nil : remedies.joined(separator: "\n  fix: ")
  }

  public var exitStatus: Int32 { ExitStatus.invalidInput }
}
