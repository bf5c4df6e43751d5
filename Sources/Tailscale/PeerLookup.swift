extension TailscaleStatus {
  /// The node called `name`, for `add-node` and the SSH layer.
  ///
  /// Matching is exact and case-insensitive. A name with a dot is compared with the full MagicDNS
  /// name (a trailing dot is optional); a name without one with the MagicDNS label, which the
  /// tailnet's control assigns. The host name a device reports about itself counts only for a
  /// node without a MagicDNS name (any device can claim any host name). This machine counts
  /// too; several matches are an error, and wildcards are not expanded.
  public func peer(named name: String) throws(TailscaleError) -> TailnetNode {
    let wanted = (name.hasSuffix(".") ? String(name.dropLast()) : name).lowercased()
    let nodes = visiblePeers + (selfNode.map { [$0] } ?? [])
    let rules: [(TailnetNode) -> Bool] =
      wanted.contains(".")
      ? [{ $0.magicDNSName.lowercased() == wanted }]
      : [{ $0.dnsLabel.lowercased() == wanted }]
    for rule in rules {
      let matches = nodes.filter(rule)
      if matches.count == 1 { return matches[0] }
      if matches.count > 1 {
        throw .ambiguousPeer(
          name: name,
          matches: matches.map {
            "\($0.magicDNSName.isEmpty ? $0.hostName : $0.magicDNSName)"
              + " (\($0.ipv4 ?? "no IPv4"))"
          })
      }
    }
    throw .peerNotFound(name: name, known: visiblePeers.map(\.dnsLabel))
  }
}
