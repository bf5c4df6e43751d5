import Basics
import Testing

@testable import Tailscale

/// The wording docs/discovery.md documents, word for word.
struct ErrorMessageTests {
  @Test func stopped() {
    let error = TailscaleError.stopped(stalePeers: 7)
    #expect(
      error.message
        == "Tailscale is stopped on this machine; the 7 peers tailscaled still lists are from "
        + "before it stopped (stale), so none are shown.")
    #expect(error.remedy == "Run `sudo tailscale up`, then retry.")
    #expect(error.exitStatus == ExitStatus.environment)
  }

  @Test func needsLogin() {
    let error = TailscaleError.needsLogin(
      authURL: "https://login.tailscale.com/a/abc", keyExpired: false)
    #expect(
      error.message
        == "Tailscale is logged out on this machine (NeedsLogin).\nLog in at: https://login.tailscale.com/a/abc"
    )
    #expect(error.remedy == "Run `sudo tailscale up` and log in, then retry.")
    #expect(error.exitStatus == ExitStatus.environment)
    #expect(
      TailscaleError.needsLogin(authURL: nil, keyExpired: true).message
        == "This machine's Tailscale key has expired (NeedsLogin).")
  }

  @Test func needsMachineAuth() {
    #expect(
      TailscaleError.needsMachineAuth.message
        == "This machine is not yet approved by the tailnet admin (NeedsMachineAuth).")
  }

  @Test func noSocketNamesEveryPathTriedAndHowToOverride() {
    let defaults = ResolvedEndpoint(
      endpoint: .unixSocket(path: "/var/run/tailscale/tailscaled.sock"), source: .platformDefault,
      searched: ["/var/run/tailscale/tailscaled.sock", "/run/tailscale/tailscaled.sock"])
    let error = TailscaleError.noSocket(defaults)
    #expect(
      error.message
        == "Can't reach tailscaled: no socket at /var/run/tailscale/tailscaled.sock or "
        + "/run/tailscale/tailscaled.sock. Is Tailscale installed and running?")
    #expect(error.remedy?.contains("--socket PATH") == true)
    #expect(error.description.contains("\n  fix: "))
    let fromEnvironment = TailscaleError.noSocket(
      ResolvedEndpoint(
        endpoint: .unixSocket(path: "/x.sock"), source: .environment, searched: ["/x.sock"]))
    #expect(fromEnvironment.message.contains("CLUSTER_MGR_TAILSCALE_SOCKET"))
  }

  @Test func theAppTokenNeverAppearsInMessages() {
    let app = ResolvedEndpoint(
      endpoint: .loopback(port: 49152, token: "0123456789abcdef0123"), source: .platformDefault,
      searched: [])
    for error in [
      TailscaleError.connectionRefused(app), .authenticationRequired(app, detail: "auth required"),
      .timedOut(app, seconds: 10), .transport(app, detail: "x"),
    ] {
      #expect(!error.description.contains("0123456789abcdef0123"))
      #expect(error.description.contains("127.0.0.1:49152"))
    }
  }

  @Test func lookupErrorsAreInputErrors() {
    #expect(TailscaleError.peerNotFound(name: "x", known: []).exitStatus == ExitStatus.invalidInput)
    #expect(
      TailscaleError.ambiguousPeer(name: "x", matches: []).exitStatus == ExitStatus.invalidInput)
    #expect(TailscaleError.requestRejected(detail: "x").exitStatus == ExitStatus.failure)
  }
}
