import Foundation
import Testing

@testable import Tailscale

/// The libcurl transport over real unix sockets: the emulator, a missing socket, a socket nobody
/// listens on.
@Suite(.timeLimit(.minutes(1)))
struct CurlTransportTests {
  @Test func readsTheStatusAndSendsWhatTailscaledRequires() async throws {
    let emulator = try Emulator()
    let status = try await emulator.client().runningStatus()
    #expect(status.backendState == .running)
    #expect(status.selfNode?.hostName == "workstation")
    #expect(status.peers.map(\.dnsLabel) == ["node-a", "node-b", "phone"])
    #expect(status.peers[0].sshHostKeys == ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA"])
    #expect(status.peers[1].online == false && status.peers[1].lastSeen != nil)
    let request = try #require(try emulator.requests().last)
    #expect(request["method"] as? String == "GET")
    #expect(request["path"] as? String == "/localapi/v0/status")
    #expect(request["host"] as? String == "local-tailscaled.sock")
    #expect(request["referer"] is NSNull && request["origin"] is NSNull)
    #expect(request["tailscale-cap"] as? String == "142")
  }

  @Test func readsAChunkedFixtureAndTheNoPeersForm() async throws {
    let emulator = try Emulator(mode: "fixture:" + Fixture.homelab.url.path)
    let status = try await emulator.client().status()
    #expect(status.peers.count == 7)  // 13 KiB: sent chunked
    try emulator.setMode("running")
    let selfOnly = try await emulator.client().status(peers: false)
    #expect(selfOnly.peers.isEmpty && selfOnly.selfNode?.hostName == "workstation")
    #expect(try emulator.requests().last?["path"] as? String == "/localapi/v0/status?peers=false")
  }

  @Test func aMissingSocket() async throws {
    let directory = try Emulator.temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let path = directory + "/none.sock"
    let endpoint = ResolvedEndpoint(
      endpoint: .unixSocket(path: path), source: .option, searched: [path])
    let client = LocalAPIClient(endpoint: endpoint, timeout: .seconds(2), startupGrace: .zero)
    await #expect(throws: TailscaleError.noSocket(endpoint)) { try await client.status() }
  }

  @Test func aSocketNobodyListensOnRefuses() async throws {
    let directory = try Emulator.temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let path = directory + "/stale.sock"
    let fd = try Self.bindUnixSocket(path)
    defer { close(fd) }
    let endpoint = ResolvedEndpoint(
      endpoint: .unixSocket(path: path), source: .option, searched: [path])
    let start = ContinuousClock.now
    let client = LocalAPIClient(
      endpoint: endpoint, timeout: .seconds(2), startupGrace: .milliseconds(500))
    await #expect(throws: TailscaleError.connectionRefused(endpoint)) { try await client.status() }
    #expect(ContinuousClock.now - start >= .milliseconds(500))  // retried while "starting"
  }

  @Test func aDaemonThatNeverAnswersTimesOut() async throws {
    let emulator = try Emulator(mode: "hang")
    let start = ContinuousClock.now
    await #expect(throws: TailscaleError.self) {
      try await emulator.client(timeout: .seconds(1)).status()
    }
    do {
      _ = try await emulator.client(timeout: .milliseconds(500)).status()
    } catch {
      guard case .timedOut(_, let seconds) = error else {
        Issue.record("expected a timeout, got \(error)")
        return
      }
      #expect(seconds == 0.5)
      #expect(error.message.contains("did not reply within 0.5 s"))
    }
    #expect(ContinuousClock.now - start < .seconds(10))
  }

  @Test func aReplyAfterTheTimeoutIsATimeoutAndBeforeItIsFine() async throws {
    let emulator = try Emulator(mode: "slow:2")
    await #expect(throws: TailscaleError.timedOut(emulator.client().endpoint, seconds: 1)) {
      try await emulator.client(timeout: .seconds(1)).status()
    }
    let status = try await emulator.client(timeout: .seconds(5)).status()
    #expect(status.backendState == .running)
  }

  @Test(arguments: [
    ("forbidden", TailscaleError.accessDenied(detail: "status access denied")),
    ("garbage", nil),
    ("stopped", .stopped(stalePeers: 3)),
    ("needsmachineauth", .needsMachineAuth),
  ])
  func scenarios(_ mode: String, _ expected: TailscaleError?) async throws {
    let emulator = try Emulator(mode: mode)
    do {
      _ = try await emulator.client().runningStatus()
      Issue.record("\(mode) should fail")
    } catch {
      if let expected {
        #expect(error == expected)
      } else {
        guard case .unexpectedReply(let detail) = error else {
          Issue.record("expected an unexpected reply, got \(error)")
          return
        }
        #expect(detail.contains("not valid JSON"))
      }
    }
  }

  @Test func unauthorizedAndClosedConnections() async throws {
    let emulator = try Emulator(mode: "unauthorized")
    let endpoint = emulator.client().endpoint
    await #expect(throws: TailscaleError.authenticationRequired(endpoint, detail: "auth required"))
    {
      try await emulator.client().status()
    }
    try emulator.setMode("eof")
    await #expect(throws: TailscaleError.closedWithoutReply(endpoint)) {
      try await emulator.client().status()
    }
  }

  @Test func needsLoginFromTheEmulatorCarriesItsAuthURL() async throws {
    let emulator = try Emulator(mode: "needslogin")
    do {
      _ = try await emulator.client().runningStatus()
      Issue.record("NeedsLogin should fail")
    } catch {
      guard case .needsLogin(let url, false) = error else {
        Issue.record("expected needsLogin, got \(error)")
        return
      }
      #expect(url?.hasPrefix("https://login.tailscale.com/a/") == true)
    }
  }

  @Test func cancellingTheTaskEndsTheRequest() async throws {
    let emulator = try Emulator(mode: "hang")
    let client = emulator.client(timeout: .seconds(30))
    let start = ContinuousClock.now
    let task = Task { try await client.status() }
    try await Task.sleep(for: .milliseconds(300))
    task.cancel()
    let result = await task.result
    #expect(throws: TailscaleError.transport(client.endpoint, detail: "cancelled")) {
      try result.get()
    }
    #expect(ContinuousClock.now - start < .seconds(15))
  }

  @Test func anOverlongSocketPathIsRefusedBeforeConnecting() async {
    let path = "/tmp/" + String(repeating: "d", count: 120) + "/ts.sock"
    let endpoint = ResolvedEndpoint(
      endpoint: .unixSocket(path: path), source: .option, searched: [path])
    let client = LocalAPIClient(endpoint: endpoint, timeout: .seconds(1), startupGrace: .zero)
    await #expect {
      try await client.status()
    } throws: { error in
      guard case .transport(_, let detail) = error as? TailscaleError else { return false }
      return detail.contains("at most 107")
    }
  }

  /// Binds a unix socket at `path` without listening: connecting to it is refused.
  static func bindUnixSocket(_ path: String) throws -> Int32 {
    #if os(Linux)
      let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
    #else
      let fd = socket(AF_UNIX, SOCK_STREAM, 0)
    #endif
    var address = sockaddr_un()
    address.sun_family = sa_family_t(AF_UNIX)
    withUnsafeMutableBytes(of: &address.sun_path) { buffer in
      buffer.copyBytes(from: path.utf8.prefix(buffer.count - 1))
    }
    let result = withUnsafePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
      }
    }
    guard fd >= 0, result == 0 else { throw CocoaError(.fileWriteUnknown) }
    return fd
  }
}
