import Foundation
import Testing

@testable import Tailscale

/// What real daemons of different versions send: missing keys, `null`, `[]`, unknown fields.
struct TolerantDecodingTests {
  private func decode(_ json: String) throws -> TailscaleStatus {
    try TailscaleStatus.decode(Data(json.utf8))
  }

  @Test func anEmptyObjectIsAStatusWithNothingInIt() throws {
    let status = try decode("{}")
    #expect(status.backendState == .noState)
    #expect(status.peers.isEmpty && status.selfNode == nil && status.authURL == nil)
    #expect(throws: TailscaleError.notReady(state: "NoState", health: [])) {
      try status.requireCurrentPeers()
    }
  }

  @Test func nullsEmptyListsAndMissingKeysMeanNoValue() throws {
    let status = try decode(
      """
      {"BackendState": "Running", "TailscaleIPs": null, "Health": null, "CurrentTailnet": null,
       "Peer": {"nodekey:1": {"ID": "nA", "HostName": "a", "TailscaleIPs": [], "Tags": null,
                              "sshHostKeys": [null, "ssh-ed25519 AAAAC3"], "LastSeen": null},
                "nodekey:2": null},
       "User": {"1": null}}
      """)
    #expect(status.tailscaleIPs.isEmpty && status.health.isEmpty && status.users.isEmpty)
    let peer = try #require(status.peers.first)
    #expect(status.peers.count == 1)
    #expect(peer.ipv4 == nil && peer.tags.isEmpty && peer.lastSeen == nil)
    #expect(peer.sshHostKeys == ["ssh-ed25519 AAAAC3"])
    #expect(peer.inNetworkMap)
    #expect(peer.dnsLabel == "a")
  }

  @Test func unknownAndRemovedFieldsAreIgnored() throws {
    let status = try decode(
      """
      {"BackendState": "Running", "FutureThing": {"x": [1, 2]},
       "Peer": {"nodekey:1": {"ID": "nA", "KeepAlive": true, "Location": {"City": "Frankfurt"},
                              "SomethingNew": 3.5}},
       "User": {"42": {"ID": 42, "LoginName": "a@b", "Roles": []}}}
      """)
    #expect(status.peers.map(\.id) == ["nA"])
    #expect(status.users[42]?.loginName == "a@b")
  }

  @Test func sixteenDigitIDsStayExact() throws {
    let status = try decode(
      """
      {"Peer": {"k": {"NodeID": 9007199254740993, "UserID": 9223372036854775807}}}
      """)
    #expect(status.peers.first?.nodeID == 9_007_199_254_740_993)
    #expect(status.peers.first?.userID == Int64.max)
  }

  @Test func zeroTimeIsUnset() throws {
    let status = try decode(
      #"{"Peer": {"k": {"LastSeen": "0001-01-01T00:00:00Z", "Created": "2025-04-29T14:56:43Z"}}}"#)
    #expect(status.peers.first?.lastSeen == nil)
    #expect(status.peers.first?.created == Date(timeIntervalSince1970: 1_745_938_603))
  }

  @Test func anUnknownBackendStateIsKeptVerbatim() throws {
    let status = try decode(#"{"BackendState": "InUseOtherUser", "Health": ["busy"]}"#)
    #expect(status.backendState == .other("InUseOtherUser"))
    #expect(throws: TailscaleError.notReady(state: "InUseOtherUser", health: ["busy"])) {
      try status.requireCurrentPeers()
    }
  }

  @Test func startingIsUsable() throws {
    try decode(#"{"BackendState": "Starting"}"#).requireCurrentPeers()
  }

  @Test func hiddenPeersAreNotVisible() throws {
    let status = try decode(
      """
      {"Peer": {
        "a": {"HostName": "shared", "ShareeNode": true},
        "b": {"HostName": "ghost", "InNetworkMap": false},
        "c": {"HostName": "mullvad", "DNSName": "se-sto-wg-001.mullvad.ts.net.", "ExitNodeOption": true},
        "d": {"HostName": "used-mullvad", "DNSName": "de-fra-wg-002.mullvad.ts.net.",
              "ExitNodeOption": true, "ExitNode": true},
        "e": {"HostName": "normal"}}}
      """)
    #expect(status.peers.count == 5)
    #expect(Set(status.visiblePeers.map(\.hostName)) == ["used-mullvad", "normal"])
  }

  @Test(arguments: [
    "", "{", "[]", "null", "\"Running\"", #"{"Peer": []}"#, #"{"Peer": {"k": {"NodeID": "x"}}}"#,
    #"{"Peer": {"k": {"LastSeen": "yesterday"}}}"#, #"{"Peer": {"k": {"NodeID": 1e30}}}"#,
  ])
  func malformedRepliesAreUnexpectedReplies(_ json: String) {
    #expect {
      try TailscaleStatus.decode(Data(json.utf8))
    } throws: { error in
      guard case .unexpectedReply(let detail) = error as? TailscaleError else { return false }
      return !detail.isEmpty
    }
  }

  @Test func aTruncatedReplyIsDescribedAsSuch() throws {
    let body = try Fixture.homelab.data
    #expect(
      throws: TailscaleError.unexpectedReply(
        detail: "the 4625-byte reply is not valid JSON (truncated or garbled)")
    ) { try TailscaleStatus.decode(body.prefix(body.count / 3)) }
  }
}
