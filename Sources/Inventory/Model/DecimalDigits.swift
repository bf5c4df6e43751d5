/// Integers of any size as decimal text, for what Python's `int` reads beyond 64 bits.
enum DecimalDigits {
  /// The decimal digits of `digits` read in `radix` (2 to 16); nil when a digit does not fit.
  static func fromRadix(_ digits: some StringProtocol, radix: Int) -> String? {
    var limbs: [UInt32] = [0]  // little-endian, base 1e9
    var sawDigit = false
    for character in digits {
      guard let digit = character.hexDigitValue, digit < radix else { return nil }
      sawDigit = true
      multiplyAdd(&limbs, by: UInt64(radix), adding: UInt64(digit))
    }
    return sawDigit ? render(limbs) : nil
  }

  /// The decimal digits of `a:b:c` read in base 60 (YAML 1.1 sexagesimal); nil when a part is
  /// not a decimal number.
  static func fromSexagesimal(_ parts: [Substring]) -> String? {
    guard let first = parts.first, !first.isEmpty else { return nil }
    var limbs: [UInt32] = [0]
    for character in first {
      guard let digit = character.wholeNumberValue, character.isASCII else { return nil }
      multiplyAdd(&limbs, by: 10, adding: UInt64(digit))
    }
    for part in parts.dropFirst() {
      guard let value = UInt64(part) else { return nil }
      multiplyAdd(&limbs, by: 60, adding: value)
    }
    return render(limbs)
  }

  /// `digits` (no sign) with `-` in front when negative, as an ``AnsibleValue``: an `Int` when
  /// it fits, else the digits themselves.
  static func value(_ digits: String, negative: Bool) -> AnsibleValue {
    let text = negative && digits != "0" ? "-" + digits : digits
    if let int = Int(text) { return .int(int) }
    return .bigInt(text)
  }

  private static func multiplyAdd(_ limbs: inout [UInt32], by factor: UInt64, adding: UInt64) {
    var carry = adding
    for index in limbs.indices {
      let product = UInt64(limbs[index]) * factor + carry
      limbs[index] = UInt32(product % 1_000_000_000)
      carry = product / 1_000_000_000
    }
    while carry > 0 {
      limbs.append(UInt32(carry % 1_000_000_000))
      carry /= 1_000_000_000
    }
  }

  private static func render(_ limbs: [UInt32]) -> String {
    var text = String(limbs.last!)
    for limb in limbs.dropLast().reversed() {
      let part = String(limb)
      text += String(repeating: "0", count: 9 - part.count) + part
    }
    return text
  }
}
