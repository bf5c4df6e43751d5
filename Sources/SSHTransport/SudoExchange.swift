import Foundation

/// Watches sudo's standard error until the command starts: spots the unique password prompt (so
/// the password is sent exactly when asked for), a second prompt (the password was wrong: sudo
/// would wait forever), and the marker the command prints once sudo let it run.
struct SudoExchange {
  /// What the caller must do after a chunk of stderr.
  enum Event: Equatable {
    /// Nothing yet.
    case none
    /// sudo asks for the password: write it and a newline to stdin.
    case sendPassword
    /// sudo rejected the password.
    case passwordRejected
    /// sudo let the command start; its own stdin and stderr follow.
    case started
  }

  private let marker: Data
  private let prompt: Data?
  /// stderr written by sudo before the command started (prompts, lectures, errors).
  private(set) var preamble = Data()
  private(set) var started = false
  private var promptsAnswered = 0

  init(marker: String, prompt: String?) {
    self.marker = Data((marker + "\n").utf8)
    self.prompt = prompt.map { Data($0.utf8) }
  }

  /// Takes a chunk of stderr; returns what to do and the part that belongs to the command.
  mutating func feed(_ chunk: Data) -> (event: Event, commandStderr: Data) {
    if started { return (.none, chunk) }
    preamble.append(chunk)
    if let range = preamble.range(of: marker) {
      started = true
      let rest = preamble[range.upperBound...]
      preamble = preamble[..<range.lowerBound]
      return (.started, Data(rest))
    }
    guard let prompt else { return (.none, Data()) }
    let prompts = occurrences(of: prompt, in: preamble)
    if prompts > 1 || (promptsAnswered > 0 && preamble.range(of: Self.sorry) != nil) {
      return (.passwordRejected, Data())
    }
    if prompts == 1 && promptsAnswered == 0 {
      promptsAnswered = 1
      return (.sendPassword, Data())
    }
    return (.none, Data())
  }

  /// sudo's own output without the prompts, for messages when the command never started.
  var sudoMessage: String {
    var text = preamble
    if let prompt {
      while let range = text.range(of: prompt) { text.removeSubrange(range) }
    }
    return String(decoding: text, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
  }

  private static let sorry = Data("Sorry, try again.".utf8)

  private func occurrences(of needle: Data, in haystack: Data) -> Int {
    var count = 0
    var start = haystack.startIndex
    while let range = haystack.range(of: needle, in: start..<haystack.endIndex) {
      count += 1
      start = range.upperBound
    }
    return count
  }
}
