import Foundation
import Testing

@testable import Tailscale

/// Every fixture decodes, with the values Fixtures/README.md documents.
struct FixtureDecodingTests {
  @Test(arguments: Fixture.allCases)
  func everyFixtureDecodes(_ fixture: Fixture) throws {
    let status = try TailscaleStatus.decode(try fixture.data)
    #expect(status.version.hasPrefix("1.102.3"))
    #expect(status.selfNode?.hostName == "alice-workstation")
  }

  @Test func homelabPeersAndSelf() throws {
    let status = try TailscaleStatus.decode(try Fixture.homelab.data)
    #expect(status.backendState == .running)
    #expect(status.tailnet?.name == "alice@example.com")
    #expect(status.tailnet?.magicDNSSuffix == "tailnet-name.ts.net")
    #expect(status.selfNode?.id == "nt9qQlTrAU21CNTRL")
    #expect(status.selfNode?.sshHostKeys == [])
    #expect(status.tailscaleIPs == ["100.101.7.12", "fd7a:115c:a1e0::3c01:70c"])
    #expect(
      status.peers.map(\.dnsLabel) == [
        "alice-iphone", "alices-macbook-pro", "k8s-cp-01", "k8s-worker-01", "k8s-worker-02",
        "k8s-worker-rtx4090", "vps-exit-fra",
      ])
    #expect(status.visiblePeers.count == 7)
    let iphone = try #require(status.peers.first { $0.hostName == "iPhone" })
    #expect(iphone.dnsLabel == "alice-iphone")
    #expect(iphone.magicDNSName == "alice-iphone.tailnet-name.ts.net")
    #expect(iphone.os == "iOS")
    #expect(iphone.nodeID == 7_597_062_936_787_223)
    #expect(iphone.lastSeen == nil)
    #expect(iphone.keyExpiry == Date(timeIntervalSince1970: 1_795_287_832))  // 2026-11-21T19:03:52Z
  }

  @Test func controlPlaneCarriesTagsAndHostKeys() throws {
    let status = try TailscaleStatus.decode(try Fixture.homelab.data)
    let cp = try #require(status.peers.first { $0.hostName == "k8s-cp-01" })
    #expect(cp.id == "nkl93ampXQ21CNTRL")
    #expect(cp.tags == ["tag:k8s"])
    #expect(cp.hasTag("k8s") && cp.hasTag("tag:k8s") && !cp.hasTag("gpu"))
    #expect(cp.primaryRoutes == ["10.43.0.0/16"])
    #expect(cp.ipv4 == "100.88.21.5")
    #expect(cp.ipv6 == "fd7a:115c:a1e0::9f01:1505")
    #expect(cp.sshHostKeys.count == 3)
    #expect(cp.sshHostKeys.last?.hasPrefix("ssh-ed25519 AAAA") == true)
    #expect(cp.keyExpiry == nil)
    #expect(status.sshHostKeysByAddress["100.88.21.5"] == cp.sshHostKeys)
    #expect(status.users[cp.userID ?? 0]?.loginName == "tagged-devices")
  }

  @Test func offlineWorkerHasAOneDigitFractionLastSeen() throws {
    let status = try TailscaleStatus.decode(try Fixture.homelab.data)
    let worker = try #require(status.peers.first { $0.hostName == "k8s-worker-02" })
    #expect(!worker.online)
    // 2026-08-19T03:12:44.6Z
    let expected = 1_787_109_164.6
    #expect(abs((worker.lastSeen?.timeIntervalSince1970 ?? 0) - expected) < 0.000_1)
  }

  @Test func exitNodeIsMarked() throws {
    let status = try TailscaleStatus.decode(try Fixture.homelab.data)
    let exit = try #require(status.peers.first { $0.hostName == "vps-exit-fra" })
    #expect(exit.isExitNode && exit.offersExitNode)
  }

  @Test func peersFalseHasNoPeersAndOnlyTheSelfUser() throws {
    let status = try TailscaleStatus.decode(try Fixture.homelabWithoutPeers.data)
    #expect(status.peers.isEmpty)
    #expect(status.users.count == 1)
    #expect(status.users.values.first?.loginName == "alice@example.com")
    try status.requireCurrentPeers()
  }

  @Test func stoppedKeepsAStalePeerListAndRefusesIt() throws {
    let status = try TailscaleStatus.decode(try Fixture.stopped.data)
    #expect(status.backendState == .stopped)
    #expect(!status.backendState.peersAreCurrent)
    #expect(status.peers.count == 7)
    #expect(status.peers.filter(\.online).count == 6)  // stale: they still claim to be online
    #expect(status.selfNode?.online == false)
    #expect(status.health.contains("Tailscale is stopped."))
    #expect(throws: TailscaleError.stopped(stalePeers: 7)) { try status.requireCurrentPeers() }
  }

  @Test func needsLoginCarriesTheAuthURL() throws {
    let status = try TailscaleStatus.decode(try Fixture.needsLogin.data)
    #expect(status.backendState == .needsLogin)
    #expect(status.authURL == "https://login.tailscale.com/a/5e2c4a91f07b3d")
    #expect(status.peers.isEmpty && status.users.isEmpty && status.tailnet == nil)
    #expect(status.selfNode?.id == "")
    #expect(status.selfNode?.tailscaleIPs == [])
    #expect(status.selfNode?.publicKey == "nodekey:" + String(repeating: "0", count: 64))
    #expect(
      throws: TailscaleError.needsLogin(
        authURL: "https://login.tailscale.com/a/5e2c4a91f07b3d", keyExpired: false)
    ) { try status.requireCurrentPeers() }
  }
}
