import Crypto
import Foundation

/// The entries of OpenSSH known_hosts files, parsed in Swift.
///
/// libssh2's own reader stops at the first line it cannot parse; this one skips such lines and
/// understands plain and hashed (`|1|salt|hash`) host patterns, `[host]:port`, wildcards,
/// negation, `@revoked` and `@cert-authority` (certificates are not used, so those are ignored).
struct KnownHosts: Sendable {
  /// One key line.
  struct Entry: Sendable, Equatable {
    enum Marker: Sendable, Equatable { case none, revoked, certAuthority }
    let marker: Marker
    let hosts: [HostPattern]
    let key: SSHHostKey
    /// `file:line`, for messages.
    let source: String
  }

  /// One item of an entry's comma-separated host list.
  enum HostPattern: Sendable, Equatable {
    case hashed(salt: Data, hash: Data)
    case wildcard(String, negated: Bool)
  }

  private(set) var entries: [Entry] = []

  /// Parses every file that exists (each once while it is unchanged, see
  /// ``KnownHostsFileCache``); unreadable files and lines are skipped.
  init(files: [String]) {
    for file in files {
      entries += KnownHostsFileCache.shared.entries(of: file)
    }
  }

  init(entries: [Entry]) { self.entries = entries }

  /// Parses known_hosts text; lines that are not valid entries are skipped.
  static func parse(_ text: String, source: String) -> [Entry] {
    var result: [Entry] = []
    for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false)
      .enumerated()
    {
      var fields = rawLine.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" })
      guard let first = fields.first, !first.hasPrefix("#") else { continue }
      var marker = Entry.Marker.none
      if first.hasPrefix("@") {
        switch first {
        case "@revoked": marker = .revoked
        case "@cert-authority": marker = .certAuthority
        default: continue
        }
        fields.removeFirst()
      }
      guard fields.count >= 3,
        let key = SSHHostKey(openSSH: fields[1] + " " + fields[2])
      else { continue }
      let hosts = fields[0].split(separator: ",").compactMap { parsePattern(String($0)) }
      guard !hosts.isEmpty else { continue }
      result.append(
        Entry(marker: marker, hosts: hosts, key: key, source: "\(source):\(index + 1)"))
    }
    return result
  }

  /// The name OpenSSH looks a host up by: `host` on port 22, `[host]:port` otherwise.
  static func lookupName(host: String, port: Int) -> String {
    let host = host.lowercased()
    return port == 22 ? host : "[\(host)]:\(port)"
  }

  /// The entries whose host list matches `host` on `port`.
  func entries(forHost host: String, port: Int) -> [Entry] {
    let name = Self.lookupName(host: host, port: port)
    return entries.filter { Self.matches(name, $0.hosts) }
  }

  /// A line for a known_hosts file recording `key` for `host` on `port`.
  static func line(host: String, port: Int, key: SSHHostKey) -> String {
    lookupName(host: host, port: port) + " " + key.openSSH
  }

  /// OpenSSH's rule: some positive pattern matches and no negated pattern does.
  static func matches(_ name: String, _ patterns: [HostPattern]) -> Bool {
    var matched = false
    for pattern in patterns {
      switch pattern {
      case .hashed(let salt, let hash):
        let mac = HMAC<Insecure.SHA1>.authenticationCode(
          for: Data(name.utf8), using: SymmetricKey(data: salt))
        if Data(mac) == hash { matched = true }
      case .wildcard(let glob, let negated):
        if wildcardMatch(Array(name.utf8), Array(glob.lowercased().utf8)) {
          if negated { return false }
          matched = true
        }
      }
    }
    return matched
  }

  private static func parsePattern(_ text: String) -> HostPattern? {
    if text.hasPrefix("|1|") {
      let parts = text.split(separator: "|", omittingEmptySubsequences: false)
      guard parts.count == 4, let salt = Data(base64Encoded: String(parts[2])),
        let hash = Data(base64Encoded: String(parts[3]))
      else { return nil }
      return .hashed(salt: salt, hash: hash)
    }
    if text.hasPrefix("|") { return nil }
    if text.hasPrefix("!") { return .wildcard(String(text.dropFirst()), negated: true) }
    return text.isEmpty ? nil : .wildcard(text, negated: false)
  }

  /// `*` matches any run of bytes, `?` one byte.
  private static func wildcardMatch(_ name: [UInt8], _ glob: [UInt8]) -> Bool {
    var n = 0
    var g = 0
    var star: Int?
    var resume = 0
    while n < name.count {
      if g < glob.count, glob[g] == UInt8(ascii: "*") {
        star = g
        resume = n
        g += 1
      } else if g < glob.count, glob[g] == UInt8(ascii: "?") || glob[g] == name[n] {
        n += 1
        g += 1
      } else if let s = star {
        g = s + 1
        resume += 1
        n = resume
      } else {
        return false
      }
    }
    while g < glob.count, glob[g] == UInt8(ascii: "*") { g += 1 }
    return g == glob.count
  }
}
