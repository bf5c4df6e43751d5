/// Python's `repr()` of a float, which `json.dumps` and `ansible-inventory` print: the
/// shortest digits that read back, plain between 1e-4 and 1e16 (`1000.0`, `0.0001`),
/// scientific outside (`1e+16`, `1.5e-05`).
enum PythonFloat {
  static func repr(_ value: Double) -> String {
    if value.isNaN { return "nan" }
    if value.isInfinite { return value < 0 ? "-inf" : "inf" }
    let (negative, digits, exponent) = decompose(value)
    let sign = negative ? "-" : ""
    // `exponent` is the power of ten of the first digit.
    if exponent < -4 || exponent >= 16 {
      var mantissa = String(digits.first!)
      if digits.count > 1 { mantissa += "." + digits.dropFirst() }
      let magnitude = abs(exponent)
      let exponentText = (magnitude < 10 ? "0" : "") + String(magnitude)
      return sign + mantissa + "e" + (exponent < 0 ? "-" : "+") + exponentText
    }
    if exponent < 0 {
      return sign + "0." + String(repeating: "0", count: -exponent - 1) + digits
    }
    let integerCount = exponent + 1
    if digits.count <= integerCount {
      return sign + digits + String(repeating: "0", count: integerCount - digits.count) + ".0"
    }
    let split = digits.index(digits.startIndex, offsetBy: integerCount)
    return sign + digits[..<split] + "." + digits[split...]
  }

  /// The sign, the shortest significant digits (no leading or trailing zeros, "0" for zero)
  /// and the decimal exponent of the first digit, taken from Swift's shortest description.
  private static func decompose(_ value: Double) -> (Bool, String, Int) {
    var text = "\(value)"
    let negative = text.hasPrefix("-")
    if negative { text.removeFirst() }
    var exponent = 0
    if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
      exponent = Int(text[text.index(after: e)...]) ?? 0
      text = String(text[..<e])
    }
    let parts = text.split(separator: ".", omittingEmptySubsequences: false)
    let integer = String(parts[0])
    let fraction = parts.count > 1 ? String(parts[1]) : ""
    var digits = integer + fraction
    // The first digit of `integer` stands at 10^(integer.count - 1 + exponent).
    var firstPower = integer.count - 1 + exponent
    while digits.hasPrefix("0"), digits.count > 1 {
      digits.removeFirst()
      firstPower -= 1
    }
    while digits.hasSuffix("0"), digits.count > 1 { digits.removeLast() }
    if digits == "0" { return (negative, "0", 0) }
    return (negative, digits, firstPower)
  }
}
