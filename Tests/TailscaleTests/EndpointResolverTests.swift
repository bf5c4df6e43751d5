import Testing

@testable import Tailscale

/// `--socket`, then the environment, then the macOS app, then the platform's default sockets.
struct EndpointResolverTests {
  static let linux = EndpointResolver(
    defaultSocketPaths: ["/var/run/tailscale/tailscaled.sock", "/run/tailscale/tailscaled.sock"],
    findAppEndpoint: { nil }, pathExists: { $0 == "/run/tailscale/tailscaled.sock" })

  @Test func theOptionWins() {
    let resolved = Self.linux.resolve(
      socket: "/tmp/x.sock", environment: ["CLUSTER_MGR_TAILSCALE_SOCKET": "/tmp/env.sock"])
    #expect(resolved.endpoint == .unixSocket(path: "/tmp/x.sock"))
    #expect(resolved.source == .option)
  }

  @Test func thenTheEnvironment() {
    let resolved = Self.linux.resolve(
      socket: nil, environment: ["CLUSTER_MGR_TAILSCALE_SOCKET": "/tmp/env.sock"])
    #expect(resolved.endpoint == .unixSocket(path: "/tmp/env.sock"))
    #expect(resolved.source == .environment)
  }

  @Test func thenTheFirstDefaultThatExists() {
    let resolved = Self.linux.resolve(socket: "", environment: ["CLUSTER_MGR_TAILSCALE_SOCKET": ""])
    #expect(resolved.endpoint == .unixSocket(path: "/run/tailscale/tailscaled.sock"))
    #expect(resolved.source == .platformDefault)
    #expect(resolved.searched.count == 2)
  }

  @Test func withNoSocketAnywhereTheFirstDefaultIsUsedAndAllAreReported() {
    var resolver = Self.linux
    resolver.pathExists = { _ in false }
    let resolved = resolver.resolve(socket: nil, environment: [:])
    #expect(resolved.endpoint == .unixSocket(path: "/var/run/tailscale/tailscaled.sock"))
    #expect(
      resolved.searched == ["/var/run/tailscale/tailscaled.sock", "/run/tailscale/tailscaled.sock"])
  }

  @Test func theMacAppWinsOverTheOpenSourceDaemonsSocket() {
    let mac = EndpointResolver(
      defaultSocketPaths: ["/var/run/tailscaled.socket"],
      findAppEndpoint: { .loopback(port: 49152, token: "abc") }, pathExists: { _ in true })
    #expect(
      mac.resolve(socket: nil, environment: [:]).endpoint == .loopback(port: 49152, token: "abc"))
    #expect(mac.resolve(socket: "/s", environment: [:]).endpoint == .unixSocket(path: "/s"))
  }

  @Test func appStoreLsofOutput() {
    let output = """
      p123
      cIPNExtension
      n/Users/alice/Library/Containers/io.tailscale.ipn.macos.network-extension/Data/\
      Library/Group Containers/io.tailscale.ipn.macos/sameuserproof-61234-0a1b2c3d4e5f60718293
      """
    #expect(
      MacAppEndpoint.parseLsofOutput(output)
        == .loopback(port: 61234, token: "0a1b2c3d4e5f60718293"))
    #expect(MacAppEndpoint.parseLsofOutput("p1\nn/dev/null\n") == nil)
    #expect(
      MacAppEndpoint.parseLsofOutput("n/x/.tailscale.ipn.macos/sameuserproof-notaport-x") == nil)
  }

  @Test func standaloneIPNPortAndToken() {
    #expect(
      MacAppEndpoint.parseStandalone(portLinkTarget: "52345", token: "deadbeef\n")
        == .loopback(port: 52345, token: "deadbeef"))
    #expect(MacAppEndpoint.parseStandalone(portLinkTarget: "52345", token: nil) == nil)
    #expect(MacAppEndpoint.parseStandalone(portLinkTarget: "../x", token: "t") == nil)
  }
}
