import Basics
import Foundation
import Testing

@testable import Tailscale

/// Every way the LocalAPI can fail becomes a ``TailscaleError`` with words and an exit status.
struct ClientErrorTests {
  static let socket = "/run/test/tailscaled.sock"
  static let resolved = ResolvedEndpoint(
    endpoint: .unixSocket(path: socket), source: .option, searched: [socket])

  @Test(arguments: [
    (TransportFailure.noSuchSocket, TailscaleError.noSocket(resolved)),
    (.connectionRefused, .connectionRefused(resolved)),
    (.permissionDenied, .permissionDenied(resolved)),
    (.closedWithoutReply, .closedWithoutReply(resolved)),
    (.timedOut, .timedOut(resolved, seconds: 3)),
    (.truncatedReply, .unexpectedReply(detail: "the connection closed in the middle of the reply")),
    (.replyTooLarge(limit: 64 << 20), .unexpectedReply(detail: "the reply is larger than 64 MiB")),
    (.other("weird"), .transport(resolved, detail: "weird")),
  ])
  func transportFailures(_ failure: TransportFailure, _ expected: TailscaleError) async {
    let client = ScriptedTransport([.failure(failure)]).client()
    await #expect(throws: expected) { try await client.status() }
    #expect(expected.exitStatus == ExitStatus.environment)
    #expect(expected.remedy != nil)
  }

  @Test(arguments: [
    (
      HTTPReply.text(403, "status access denied\n"),
      TailscaleError.accessDenied(detail: "status access denied")
    ),
    (
      .text(403, "invalid localapi request\n"), .requestRejected(detail: "invalid localapi request")
    ),
    (.text(401, "auth required\n"), .authenticationRequired(resolved, detail: "auth required")),
    (
      .text(404, "404 page not found\n"),
      .endpointMissing(resolved, path: "/localapi/v0/status", detail: "404 page not found")
    ),
    (
      .text(500, #"{"error": "backend exploded"}"#),
      .httpError(status: 500, detail: "backend exploded")
    ),
    (.text(500, #"{"Error": "capitalised"}"#), .httpError(status: 500, detail: "capitalised")),
    (.text(503, "no backend\n"), .notReady(state: "no backend", health: [])),
    (.text(502, "line one\nline\ttwo\n"), .httpError(status: 502, detail: "line one line two")),
    (
      .text(200, "{\"BackendState\": \"Runn"),
      .unexpectedReply(detail: "the 22-byte reply is not valid JSON (truncated or garbled)")
    ),
  ])
  func httpReplies(_ reply: HTTPReply, _ expected: TailscaleError) async {
    let client = ScriptedTransport([.success(reply)]).client()
    await #expect(throws: expected) { try await client.status() }
  }

  @Test func aLongErrorBodyIsShortened() {
    let detail = LocalAPIClient.errorDetail(Data(String(repeating: "x", count: 5000).utf8))
    #expect(detail.count == 301 && detail.hasSuffix("…"))
  }

  @Test func aMissingSocketIsRetriedWhileTheDaemonStarts() async throws {
    let body = try Fixture.homelab.data
    let transport = ScriptedTransport([
      .failure(.noSuchSocket), .failure(.connectionRefused),
      .success(HTTPReply(status: 200, body: body)),
    ])
    // A generous grace: the third reply succeeds at once, and a loaded machine (the suite runs
    // in parallel) must not turn the retry pauses into a timeout.
    let status = try await transport.client(grace: .seconds(60)).status()
    #expect(status.peers.count == 7)
    #expect(transport.paths.count == 3)
  }

  @Test func retriesStopAfterTheGracePeriod() async {
    let transport = ScriptedTransport([.failure(.noSuchSocket)])
    let start = ContinuousClock.now
    await #expect(throws: TailscaleError.noSocket(Self.resolved)) {
      try await transport.client(grace: .milliseconds(600)).status()
    }
    let elapsed = ContinuousClock.now - start
    // It gives up: not before the grace period, and long before anything waiting forever would
    // (the upper bound is loose because parallel tests slow the retry pauses).
    #expect(elapsed >= .milliseconds(600) && elapsed < .seconds(30))
    #expect(transport.paths.count >= 2)
  }

  @Test func otherFailuresAreNotRetried() async {
    let transport = ScriptedTransport([.failure(.permissionDenied)])
    await #expect(throws: TailscaleError.permissionDenied(Self.resolved)) {
      try await transport.client(grace: .seconds(2)).status()
    }
    #expect(transport.paths.count == 1)
  }

  @Test func peersFalseAsksForTheCheapStatus() async throws {
    let transport = ScriptedTransport([
      .success(HTTPReply(status: 200, body: try Fixture.homelabWithoutPeers.data))
    ])
    _ = try await transport.client().status(peers: false)
    #expect(transport.paths == ["/localapi/v0/status?peers=false"])
  }

  @Test func runningStatusRefusesAStoppedDaemon() async throws {
    let transport = ScriptedTransport([
      .success(HTTPReply(status: 200, body: try Fixture.stopped.data))
    ])
    await #expect(throws: TailscaleError.stopped(stalePeers: 7)) {
      try await transport.client().runningStatus()
    }
  }
}
