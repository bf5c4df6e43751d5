import Basics
import Foundation
import Testing

@Suite struct ShellQuoteTests {
  @Test(arguments: [
    "plain", "", "with space", "it's", "$(touch /tmp/pwned)", "`id`", "a;b", "line\nbreak",
    "\"dq\"", "back\\slash", "*glob?", "-dash", "ünïcode", "a'b'c",
  ])
  func roundTripsThroughSh(_ value: String) throws {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/sh")
    process.arguments = ["-c", "printf %s " + ShellQuote.quote(value)]
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    #expect(String(decoding: data, as: UTF8.self) == value)
  }
}
