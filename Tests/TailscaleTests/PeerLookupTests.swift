import Foundation
import Testing

@testable import Tailscale

/// The lookup `add-node` uses: exact, case-insensitive, by MagicDNS label or full name (a
/// self-reported host name only for a node without MagicDNS).
struct PeerLookupTests {
  let status: TailscaleStatus

  init() throws { status = try TailscaleStatus.decode(try Fixture.homelab.data) }

  @Test(arguments: [
    ("k8s-cp-01", "100.88.21.5"), ("K8S-CP-01", "100.88.21.5"),
    ("k8s-cp-01.tailnet-name.ts.net", "100.88.21.5"),
    ("k8s-cp-01.tailnet-name.ts.net.", "100.88.21.5"),
    ("alice-iphone", "100.83.17.102"), ("Alice-iPhone", "100.83.17.102"),
    ("Alices-MacBook-Pro", "100.97.201.18"), ("alice-workstation", "100.101.7.12"),
  ])
  func finds(_ name: String, _ address: String) throws {
    #expect(try status.peer(named: name).ipv4 == address)
  }

  @Test func theHostNameADeviceReportsIsNoNameForANodeWithMagicDNS() {
    // iPhone is what the phone calls itself; its MagicDNS label is alice-iphone.
    #expect(throws: TailscaleError.self) { try status.peer(named: "iPhone") }
  }

  @Test func returnsWhatAddNodeNeeds() throws {
    let peer = try status.peer(named: "k8s-worker-02")
    #expect(peer.ipv4 == "100.71.3.44")
    #expect(peer.online == false)
    #expect(peer.os == "linux")
    #expect(peer.sshHostKeys.isEmpty)
    #expect(try status.peer(named: "k8s-worker-01").sshHostKeys.count == 3)
  }

  @Test(arguments: ["k8s-cp", "k8s-*", "cp-01", "k8s-cp-01.other.ts.net", ""])
  func doesNotMatchPartsOrPatterns(_ name: String) {
    #expect(throws: TailscaleError.self) { try status.peer(named: name) }
  }

  @Test func notFoundListsTheKnownNames() {
    #expect {
      try status.peer(named: "nope")
    } throws: { error in
      guard case .peerNotFound(let name, let known) = error as? TailscaleError else { return false }
      return name == "nope" && known.contains("k8s-cp-01") && known.count == 7
    }
  }

  @Test func aReportedHostNameCountsOnlyWithoutAMagicDNSName() throws {
    let twins = try TailscaleStatus.decode(
      Data(
        """
        {"BackendState": "Running", "Peer": {
          "a": {"HostName": "box", "DNSName": "box.t.ts.net.", "TailscaleIPs": ["100.64.0.1"]},
          "b": {"HostName": "box", "DNSName": "box-1.t.ts.net.", "TailscaleIPs": ["100.64.0.2"]},
          "c": {"HostName": "Pi", "DNSName": "pi-1.t.ts.net.", "TailscaleIPs": ["100.64.0.3"]},
          "d": {"HostName": "pi", "DNSName": "pi-2.t.ts.net.", "TailscaleIPs": ["100.64.0.4"]},
          "e": {"HostName": "nas", "DNSName": "", "TailscaleIPs": ["100.64.0.5"]}}}
        """.utf8))
    // The MagicDNS label is unique and assigned by control, so it wins over a shared host name.
    #expect(try twins.peer(named: "box").ipv4 == "100.64.0.1")
    #expect(try twins.peer(named: "box-1").ipv4 == "100.64.0.2")
    // Any device can report the host name pi: it names no node that has a MagicDNS name.
    #expect { try twins.peer(named: "pi") } throws: { error in
      guard case .peerNotFound(let name, _) = error as? TailscaleError else { return false }
      return name == "pi"
    }
    #expect(try twins.peer(named: "nas").ipv4 == "100.64.0.5")
  }
}
