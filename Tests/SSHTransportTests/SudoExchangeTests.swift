import Foundation
import Testing

@testable import SSHTransport

/// sudo's stderr, chunk by chunk: prompt, marker, rejected password.
struct SudoExchangeTests {
  let prompt = "[cluster-mgr sudo password abc]"
  let marker = "cluster-mgr-become-ok-abc"

  @Test func thePasswordIsSentOnceWhenThePromptShows() {
    var exchange = SudoExchange(marker: marker, prompt: prompt)
    #expect(exchange.feed(Data("[cluster-mgr sudo".utf8)).event == .none)
    #expect(exchange.feed(Data(" password abc]".utf8)).event == .sendPassword)
    let started = exchange.feed(Data("\(marker)\nreal stderr\n".utf8))
    #expect(started.event == .started)
    #expect(started.commandStderr == Data("real stderr\n".utf8))
    let later = exchange.feed(Data("\(prompt) more".utf8))
    #expect(later.event == .none)
    #expect(later.commandStderr == Data("\(prompt) more".utf8))
  }

  @Test func aSecondPromptMeansTheWrongPassword() {
    var exchange = SudoExchange(marker: marker, prompt: prompt)
    #expect(exchange.feed(Data(prompt.utf8)).event == .sendPassword)
    #expect(exchange.feed(Data("\nSorry, try again.\n".utf8)).event == .passwordRejected)
    var localized = SudoExchange(marker: marker, prompt: prompt)
    _ = localized.feed(Data(prompt.utf8))
    #expect(
      localized.feed(Data("\nEntschuldigung, versuchen Sie es noch einmal.\n\(prompt)".utf8)).event
        == .passwordRejected)
  }

  @Test func withoutAPromptTheMarkerAloneStartsTheCommand() {
    var exchange = SudoExchange(marker: marker, prompt: nil)
    let outcome = exchange.feed(Data("\(marker)\n".utf8))
    #expect(outcome.event == .started)
    #expect(outcome.commandStderr.isEmpty)
  }

  @Test func sudosOwnMessageLeavesThePromptOut() {
    var exchange = SudoExchange(marker: marker, prompt: prompt)
    _ = exchange.feed(Data("\(prompt)\nsudo: 1 incorrect password attempt\n".utf8))
    #expect(exchange.sudoMessage == "sudo: 1 incorrect password attempt")
  }
}
