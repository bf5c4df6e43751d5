import Foundation

/// Ages written the way kubectl writes them.
public enum AgeText {
  /// `45s`, `12m`, `5h`, `3d`, `2y` for an age of `seconds` (negative ages count as 0).
  public static func kubectlStyle(_ seconds: TimeInterval) -> String {
    let seconds = max(0, Int(seconds))
    if seconds < 120 { return "\(seconds)s" }
    let minutes = seconds / 60
    if minutes < 120 { return "\(minutes)m" }
    let hours = minutes / 60
    if hours < 48 { return "\(hours)h" }
    let days = hours / 24
    if days < 730 { return "\(days)d" }
    return "\(days / 365)y"
  }
}
