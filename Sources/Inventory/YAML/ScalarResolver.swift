import Foundation
import OrderedCollections

/// YAML 1.1 scalar typing exactly as PyYAML's `SafeLoader` does it (Ansible reads YAML with it):
/// `yes`/`on` are booleans, `017` is octal, `1:30` is sexagesimal, `1e3` is a string.
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

  /// The value of a plain scalar without explicit tag.
  static func resolvePlain(_ text: String) -> InventoryValue {
    switch implicitType(of: text) {
    case .bool: return .bool(["yes", "true", "on"].contains(text.lowercased()))
    case .float: return float(text).map(InventoryValue.double) ?? .string(text)
    case .int: return int(text).map(InventoryValue.int) ?? .string(text)
    case .null: return .null
    case .timestamp: return .string(timestamp(text) ?? text)
    case .merge, .value, .string: return .string(text)
    }
  }

  /// The value of a scalar with an explicit standard tag (`!!int 3`); nil when the text does
  /// not fit the tag.
  static func resolve(_ text: String, tag: String) -> InventoryValue? {
    switch tag {
    case "tag:yaml.org,2002:str", "!": return .string(text)
    case "tag:yaml.org,2002:int": return int(text).map(InventoryValue.int)
    case "tag:yaml.org,2002:float": return float(text).map(InventoryValue.double)
    case "tag:yaml.org,2002:bool":
      let lower = text.lowercased()
      if ["yes", "true", "on"].contains(lower) { return .bool(true) }
      if ["no", "false", "off"].contains(lower) { return .bool(false) }
      return nil
    case "tag:yaml.org,2002:null": return .null
    case "tag:yaml.org,2002:timestamp": return timestamp(text).map(InventoryValue.string)
    default: return .string(text)
    }
  }

  static func int(_ text: String) -> Int? {
    var value = text.replacingOccurrences(of: "_", with: "")
    var sign = 1
    if value.hasPrefix("-") { sign = -1 }
    if value.hasPrefix("-") || value.hasPrefix("+") { value.removeFirst() }
    if value == "0" { return 0 }
    let magnitude: Int?
    if value.hasPrefix("0b") {
      magnitude = Int(value.dropFirst(2), radix: 2)
    } else if value.hasPrefix("0x") {
      magnitude = Int(value.dropFirst(2), radix: 16)
    } else if value.hasPrefix("0") {
      magnitude = Int(value, radix: 8)
    } else if value.contains(":") {
      var total = 0
      for part in value.split(separator: ":", omittingEmptySubsequences: false) {
        guard let digit = Int(part) else { return nil }
        total = total * 60 + digit
      }
      magnitude = total
    } else {
      magnitude = Int(value)
    }
    return magnitude.map { $0 * sign }
  }

  static func float(_ text: String) -> Double? {
    var value = text.replacingOccurrences(of: "_", with: "").lowercased()
    var sign = 1.0
    if value.hasPrefix("-") { sign = -1 }
    if value.hasPrefix("-") || value.hasPrefix("+") { value.removeFirst() }
    if value == ".inf" { return sign * .infinity }
    if value == ".nan" { return .nan }
    if value.contains(":") {
      var total = 0.0
      for part in value.split(separator: ":", omittingEmptySubsequences: false) {
        guard let digit = Double(part) else { return nil }
        total = total * 60 + digit
      }
      return sign * total
    }
    if value.hasSuffix(".") { value += "0" }
    if value.hasPrefix(".") { value = "0" + value }
    return Double(value).map { sign * $0 }
  }

  /// PyYAML's datetime rendered with Python's `isoformat()`, as Ansible prints it.
  static func timestamp(_ text: String) -> String? {
    guard let match = text.wholeMatch(of: timestampParts) else { return nil }
    let output = match.output
    let year = String(output.1)
    let month = pad(String(output.2))
    let day = pad(String(output.3))
    guard let hour = output.4 else { return "\(year)-\(month)-\(day)" }
    var result = "\(year)-\(month)-\(day)T\(pad(String(hour))):\(output.5!):\(output.6!)"
    if let fraction = output.7 {
      var digits = String(fraction.prefix(6))
      while digits.count < 6 { digits += "0" }
      if Int(digits) != 0 { result += "." + digits }
    }
    if let zone = output.8 {
      let trimmed = zone.trimmingCharacters(in: [" ", "\t"])
      if trimmed == "Z" {
        result += "+00:00"
      } else {
        let sign = trimmed.first!
        let parts = trimmed.dropFirst().split(separator: ":")
        let zoneHour = pad(String(parts[0]))
        let zoneMinute = parts.count > 1 ? String(parts[1]) : "00"
        result += "\(sign)\(zoneHour):\(zoneMinute)"
      }
    }
    return result
  }

  private static func pad(_ digits: String) -> String {
    digits.count == 1 ? "0" + digits : digits
  }

  nonisolated(unsafe) private static let boolPattern =
    #/yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF/#
  nonisolated(unsafe) private static let floatPattern =
    #/[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)/#
  nonisolated(unsafe) private static let intPattern =
    #/[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+/#
  nonisolated(unsafe) private static let timestampPattern =
    #/[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]|[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?(?:[Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?/#
  nonisolated(unsafe) private static let timestampParts =
    #/([0-9][0-9][0-9][0-9])-([0-9][0-9]?)-([0-9][0-9]?)(?:(?:[Tt]|[ \t]+)([0-9][0-9]?):([0-9][0-9]):([0-9][0-9])(?:\.([0-9]*))?([ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)?/#
}
