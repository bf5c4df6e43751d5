import Foundation
import OrderedCollections

/// YAML 1.1 scalar typing exactly as PyYAML's `SafeLoader` does it (Ansible reads YAML with it):
/// `yes`/`on` are booleans, `017` is octal, `1:30` is sexagesimal, `1e3` is a string, dates are
/// checked as Python's `datetime` checks them, integers have any size.
enum ScalarResolver {
  /// The tag PyYAML gives a plain scalar without an explicit tag.
  enum ImplicitType: Equatable {
    case bool, float, int, merge, null, timestamp, value, string
  }

  static func implicitType(of text: String) -> ImplicitType {
    guard let first = text.unicodeScalars.first else { return .null }
    // PyYAML tries the resolvers registered for the first character, in registration order.
    if "yYnNtTfFoO".unicodeScalars.contains(first), text.wholeMatch(of: boolPattern) != nil {
      return .bool
    }
    if "-+0123456789.".unicodeScalars.contains(first), text.wholeMatch(of: floatPattern) != nil {
      return .float
    }
    if "-+0123456789".unicodeScalars.contains(first), text.wholeMatch(of: intPattern) != nil {
      return .int
    }
    if text == "<<" { return .merge }
    if ["~", "null", "Null", "NULL"].contains(text) { return .null }
    if ("0"..."9").contains(first), text.wholeMatch(of: timestampPattern) != nil {
      return .timestamp
    }
    if text == "=" { return .value }
    return .string
  }

  /// Why a scalar cannot be built (Python's message: `month must be in 1..12`).
  struct Problem: Error {
    var message: String
  }

  /// The value of a plain scalar without explicit tag; a scalar PyYAML types but cannot build
  /// (`2024-13-45`, `0b_`) is a ``Problem``, as it is for Ansible.
  static func resolvePlain(_ text: String) throws(Problem) -> AnsibleValue {
    switch implicitType(of: text) {
    case .bool: return .bool(["yes", "true", "on"].contains(text.lowercased()))
    case .float: return .float(try float(text))
    case .int: return try int(text)
    case .null: return .null
    case .timestamp: return .timestamp(try timestamp(text))
    case .merge, .value, .string: return .string(text)
    }
  }

  /// The value of a scalar with an explicit standard tag (`!!int 3`), built as PyYAML's
  /// constructor for that tag builds it.
  static func resolve(_ text: String, tag: String) throws(Problem) -> AnsibleValue {
    switch tag {
    case "tag:yaml.org,2002:str", "tag:yaml.org,2002:python/unicode": return .string(text)
    case "tag:yaml.org,2002:int": return try int(text)
    case "tag:yaml.org,2002:float": return .float(try float(text))
    case "tag:yaml.org,2002:bool":
      let lower = text.lowercased()
      if ["yes", "true", "on"].contains(lower) { return .bool(true) }
      if ["no", "false", "off"].contains(lower) { return .bool(false) }
      throw Problem(message: "'\(text)' is not a boolean")
    case "tag:yaml.org,2002:null": return .null
    case "tag:yaml.org,2002:timestamp": return .timestamp(try timestamp(text))
    default:
      throw Problem(message: "could not determine a constructor for the tag '\(tag)'")
    }
  }

  /// PyYAML's `construct_yaml_int`: `0b`, `0x`, leading-zero octal, `a:b:c` sexagesimal, any size.
  static func int(_ text: String) throws(Problem) -> AnsibleValue {
    var value = text.replacingOccurrences(of: "_", with: "")
    guard let first = value.first else { throw Problem(message: "'' is not an integer") }
    let negative = first == "-"
    if first == "-" || first == "+" { value.removeFirst() }
    let digits: String?
    if value == "0" {
      digits = "0"
    } else if value.hasPrefix("0b") {
      digits = DecimalDigits.fromRadix(pythonIntText(value.dropFirst(2)), radix: 2)
    } else if value.hasPrefix("0x") {
      digits = DecimalDigits.fromRadix(pythonIntText(value.dropFirst(2)), radix: 16)
    } else if value.hasPrefix("0") {
      digits = DecimalDigits.fromRadix(pythonIntText(value[...]), radix: 8)
    } else if value.contains(":") {
      digits = DecimalDigits.fromSexagesimal(
        value.split(separator: ":", omittingEmptySubsequences: false))
    } else {
      digits = DecimalDigits.fromRadix(pythonIntText(value[...]), radix: 10)
    }
    guard let digits else {
      throw Problem(message: "invalid literal for int(): '\(text)'")
    }
    return DecimalDigits.value(digits, negative: negative)
  }

  /// Python's `int()` ignores surrounding whitespace.
  private static func pythonIntText(_ text: Substring) -> Substring {
    let trimmed = text.drop { $0 == " " || $0 == "\t" }
    return trimmed.dropLast(trimmed.reversed().prefix { $0 == " " || $0 == "\t" }.count)
  }

  /// PyYAML's `construct_yaml_float`: `.inf`, `.nan`, `a:b.c` sexagesimal, else Python's `float()`.
  static func float(_ text: String) throws(Problem) -> Double {
    var value = text.replacingOccurrences(of: "_", with: "").lowercased()
    guard let first = value.first else { throw Problem(message: "'' is not a float") }
    let sign: Double = first == "-" ? -1 : 1
    if first == "-" || first == "+" { value.removeFirst() }
    if value == ".inf" { return sign * .infinity }
    if value == ".nan" { return .nan }
    if value.contains(":") {
      var total = 0.0
      for part in value.split(separator: ":", omittingEmptySubsequences: false) {
        guard let digit = pythonFloat(String(part)) else {
          throw Problem(message: "could not convert string to float: '\(part)'")
        }
        total = total * 60 + digit
      }
      return sign * total
    }
    guard let number = pythonFloat(value) else {
      throw Problem(message: "could not convert string to float: '\(text)'")
    }
    return sign * number
  }

  /// Python's `float()` of a decimal text: digits with an optional fraction and exponent
  /// (`1.`, `.5`, `1e3`), or `inf`/`infinity`/`nan`.
  static func pythonFloat(_ text: String) -> Double? {
    let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
    var body = trimmed
    var sign = 1.0
    if body.hasPrefix("-") || body.hasPrefix("+") {
      if body.hasPrefix("-") { sign = -1 }
      body.removeFirst()
    }
    if body == "inf" || body == "infinity" { return sign * .infinity }
    if body == "nan" { return .nan }
    guard body.wholeMatch(of: decimalFloatPattern) != nil else { return nil }
    return Double(body).map { sign * $0 }
  }

  /// PyYAML's `construct_yaml_timestamp`: a `date` or `datetime`, refused as Python refuses it
  /// (`2024-13-45`: month must be in 1..12).
  static func timestamp(_ text: String) throws(Problem) -> YAMLTimestamp {
    guard let match = text.wholeMatch(of: timestampParts) else {
      throw Problem(message: "'\(text)' is not a timestamp")
    }
    let output = match.output
    var result = YAMLTimestamp(
      year: Int(output.1)!, month: Int(output.2)!, day: Int(output.3)!, time: nil)
    if let hour = output.4 {
      var microsecond = 0
      if let fraction = output.7, !fraction.isEmpty {
        var digits = String(fraction.prefix(6))
        while digits.count < 6 { digits += "0" }
        microsecond = Int(digits)!
      }
      var offset: Int?
      if let zone = output.8 {
        let trimmed = zone.trimmingCharacters(in: [" ", "\t"])
        if trimmed == "Z" {
          offset = 0
        } else {
          let sign = trimmed.first == "-" ? -1 : 1
          let parts = trimmed.dropFirst().split(separator: ":")
          let hours = Int(parts[0])!
          let minutes = parts.count > 1 ? Int(parts[1])! : 0
          offset = sign * (hours * 3600 + minutes * 60)
        }
      }
      result.time = YAMLTimestamp.Time(
        hour: Int(hour)!, minute: Int(output.5!)!, second: Int(output.6!)!,
        microsecond: microsecond, offset: offset)
    }
    if let problem = result.problem { throw Problem(message: problem) }
    return result
  }

  nonisolated(unsafe) private static let boolPattern =
    #/yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF/#
  nonisolated(unsafe) private static let floatPattern =
    #/[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)/#
  nonisolated(unsafe) private static let intPattern =
    #/[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+/#
  nonisolated(unsafe) private static let timestampPattern =
    #/[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]|[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?(?:[Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?/#
  nonisolated(unsafe) private static let decimalFloatPattern =
    #/(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:e[-+]?[0-9]+)?/#
  nonisolated(unsafe) private static let timestampParts =
    #/([0-9][0-9][0-9][0-9])-([0-9][0-9]?)-([0-9][0-9]?)(?:(?:[Tt]|[ \t]+)([0-9][0-9]?):([0-9][0-9]):([0-9][0-9])(?:\.([0-9]*))?([ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)?/#
}
