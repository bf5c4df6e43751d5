import Foundation
import Testing

@testable import Tailscale

/// Go's RFC 3339 output: 0–9 fractional digits, offsets, and the zero time.
struct GoTimeTests {
  @Test(arguments: [
    ("2026-08-21T14:30:00Z", 1_787_322_600.0),
    ("2026-08-19T03:12:44.6Z", 1_787_109_164.6),
    ("2026-08-21T14:28:40.1190522Z", 1_787_322_520.119_052_2),
    ("2026-08-21T14:29:41.77305113Z", 1_787_322_581.773_051_13),
    ("2025-11-14T19:42:07.318204577Z", 1_763_149_327.318_204_577),
    ("2026-08-21T16:30:00+02:00", 1_787_322_600.0),
    ("2026-08-21T09:00:00.5-05:30", 1_787_322_600.5),
    ("2024-02-29T00:00:00Z", 1_709_164_800.0),
    ("1969-12-31T23:59:59Z", -1.0),
  ])
  func parses(_ text: String, _ seconds: Double) throws {
    let date = try #require(GoTime.parse(text)?.date)
    #expect(abs(date.timeIntervalSince1970 - seconds) < 0.000_001)
  }

  @Test func zeroTimeIsUnset() {
    #expect(GoTime.parse("0001-01-01T00:00:00Z") == .unset)
  }

  @Test(arguments: [
    "", "2026-08-21", "2026-08-21T14:30:00", "2026-08-21T14:30:00.Z",
    "2026-08-21T14:30:00.1234567890Z",
    "2026-13-01T00:00:00Z", "2026-02-29T00:00:00Z", "2026-08-21T24:00:00Z", "2026-08-21 14:30:00Z",
    "2026-08-21T14:30:00Zjunk", "2026-08-21T14:30:00+0200", "२०२६-08-21T14:30:00Z",
  ])
  func rejects(_ text: String) {
    #expect(GoTime.parse(text) == nil)
  }
}
