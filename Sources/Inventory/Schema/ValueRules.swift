import Basics
import Foundation
import OrderedCollections

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Syntax checks for the values cluster-mgr understands (addresses, versions, quantities, labels).
///
/// Each returns nil when the value is fine, or what is wrong with it.
public enum ValueRules {
  /// An IPv4 or IPv6 address.
  public static func isIPAddress(_ text: String) -> Bool {
    isIPv4(text) || isIPv6(text)
  }

  /// A dotted-quad IPv4 address.
  public static func isIPv4(_ text: String) -> Bool {
    var address = in_addr()
    return inet_pton(AF_INET, text, &address) == 1
  }

  /// An IPv6 address.
  public static func isIPv6(_ text: String) -> Bool {
    var address = in6_addr()
    return inet_pton(AF_INET6, text, &address) == 1
  }

  /// True for text that is meant as an IPv4 address (only digits and dots).
  public static func looksLikeIPv4(_ text: String) -> Bool {
    !text.isEmpty && text.allSatisfy { $0 == "." || $0.isASCII && $0.isNumber }
      && text.contains(".")
  }

  /// `10.42.0.0/16` or `fd00::/56`.
  public static func cidrProblem(_ text: String) -> String? {
    let parts = text.split(separator: "/", omittingEmptySubsequences: false)
    guard parts.count == 2, let prefix = Int(parts[1]) else {
      return "'\(text)' is not a CIDR block like 10.42.0.0/16"
    }
    let address = String(parts[0])
    if isIPv4(address) {
      return (0...32).contains(prefix) ? nil : "the prefix length of '\(text)' must be 0 to 32"
    }
    if isIPv6(address) {
      return (0...128).contains(prefix) ? nil : "the prefix length of '\(text)' must be 0 to 128"
    }
    return "'\(address)' in '\(text)' is not an IP address"
  }

  /// A K3s release tag: `v1.31.4+k3s1`.
  public static func k3sVersionProblem(_ text: String) -> String? {
    text.wholeMatch(of: k3sVersion) == nil
      ? "'\(text)' is not a K3s release like v1.31.4+k3s1 (v, three numbers, +k3s and a number)"
      : nil
  }

  /// A Kubernetes CPU quantity: `2`, `1.5`, `500m`.
  public static func cpuQuantityProblem(_ text: String) -> String? {
    text.wholeMatch(of: cpuQuantity) == nil
      ? "'\(text)' is not a CPU quantity like 2, 1.5 or 500m" : nil
  }

  /// A Kubernetes memory quantity: `4Gi`, `512Mi`, `1G`, `1073741824`.
  public static func memoryQuantityProblem(_ text: String) -> String? {
    text.wholeMatch(of: memoryQuantity) == nil
      ? "'\(text)' is not a memory quantity like 4Gi, 512Mi or 2G" : nil
  }

  /// A Kubernetes label key: an optional DNS-subdomain prefix and `/`, then a name of at most
  /// 63 characters (letters, digits, `-`, `_`, `.`, starting and ending alphanumeric).
  public static func labelKeyProblem(_ key: String) -> String? {
    var name = Substring(key)
    if let slash = key.lastIndex(of: "/") {
      let prefix = key[..<slash]
      name = key[key.index(after: slash)...]
      if prefix.isEmpty || prefix.count > 253 || String(prefix).wholeMatch(of: dnsSubdomain) == nil
      {
        return "the prefix of label key '\(key)' must be a DNS subdomain like example.com"
      }
    }
    if name.isEmpty || name.count > 63 || String(name).wholeMatch(of: labelName) == nil {
      return
        "label key '\(key)' must be at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit"
    }
    return nil
  }

  /// A Kubernetes label value: empty, or like a label name.
  public static func labelValueProblem(_ value: String) -> String? {
    if value.isEmpty { return nil }
    if value.count > 63 || value.wholeMatch(of: labelName) == nil {
      return
        "label value '\(value)' must be at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit"
    }
    return nil
  }

  /// A DNS-1123 name a Kubernetes node can have (lower-case letters, digits, `-`, `.`).
  public static func nodeNameProblem(_ name: String) -> String? {
    name.count <= 253 && name.wholeMatch(of: dnsSubdomain) != nil
      ? nil
      : "'\(name)' is not a valid Kubernetes node name (lower-case letters, digits, '-' and '.')"
  }

  /// A DNS-1123 label (namespaces, cluster names): at most 63 lower-case letters, digits and
  /// `-`, starting and ending with a letter or digit.
  public static func dnsLabelProblem(_ text: String, what: String) -> String? {
    text.count <= 63 && text.wholeMatch(of: dnsLabel) != nil
      ? nil
      : "\(what) '\(text)' must be at most 63 lower-case letters, digits and '-', starting and ending with a letter or digit"
  }

  /// A release tag: `v` and three numbers, optionally a pre-release suffix (`v2.9.4`, `v0.20.0-rc.1`).
  public static func releaseVersionProblem(_ text: String) -> String? {
    text.wholeMatch(of: releaseVersion) != nil
      ? nil : "'\(text)' is not a release version such as v2.9.4"
  }

  /// A base URL for downloads: `https://` or `http://`, a host, an optional port and path; no
  /// query, fragment, credentials, `..` segment, white space or quote.
  public static func baseURLProblem(_ text: String) -> String? {
    let problem =
      "'\(text)' is not a base URL such as https://github.com/k3s-io/k3s/releases/download"
    guard text.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F }),
      !text.contains(where: { "\"'`\\<>{}|^$;".contains($0) }),
      let components = URLComponents(string: text),
      let scheme = components.scheme?.lowercased(), scheme == "https" || scheme == "http",
      let host = components.host, !host.isEmpty,
      components.query == nil, components.fragment == nil, components.user == nil,
      components.password == nil,
      !components.path.split(separator: "/").contains(where: { $0 == ".." || $0 == "." })
    else { return problem }
    return nil
  }

  /// A Git repository URL Flux can fetch: `https://`, `http://` or `ssh://` with a host, or
  /// scp-like `user@host:path` (converted to `ssh://`, see ``gitURL(_:)``).
  public static func gitURLProblem(_ text: String) -> String? {
    let problem =
      "'\(text)' is not a Git URL such as https://github.com/you/homelab.git or git@github.com:you/homelab.git"
    guard !text.contains(where: isUnsafeInValue), let url = gitURL(text),
      let components = URLComponents(string: url),
      ["https", "http", "ssh"].contains(components.scheme?.lowercased() ?? ""),
      let host = components.host, !host.isEmpty, components.query == nil,
      components.fragment == nil, components.password == nil
    else { return problem }
    return nil
  }

  /// `text` as the URL Flux's GitRepository accepts (`^(http|https|ssh)://`): scp-like
  /// `user@host:path` becomes `ssh://user@host/path`; nil when it is neither form.
  public static func gitURL(_ text: String) -> String? {
    if text.contains("://") { return text }
    guard let colon = text.firstIndex(of: ":"), let at = text.firstIndex(of: "@"), at < colon,
      !text[..<colon].contains("/")
    else { return nil }
    let path = text[text.index(after: colon)...]
    return "ssh://" + text[..<colon] + (path.hasPrefix("/") ? "" : "/") + path
  }

  /// A branch name Git accepts (`git check-ref-format --branch`).
  public static func gitBranchProblem(_ text: String) -> String? {
    let forbidden = " ~^:?*[\\"
    let bad =
      text.isEmpty || text.count > 255 || text.hasPrefix("-") || text.hasPrefix("/")
      || text.hasSuffix("/")
      || text.hasSuffix(".") || text.hasSuffix(".lock") || text.contains("..")
      || text.contains("@{") || text.contains("//") || text == "@"
      || text.contains(where: { forbidden.contains($0) || isUnsafeInValue($0) })
      || text.split(separator: "/").contains { $0.hasPrefix(".") }
    return bad ? "'\(text)' is not a Git branch name" : nil
  }

  /// A path inside a repository: relative, no `..` component.
  public static func repositoryPathProblem(_ text: String) -> String? {
    let bad =
      text.isEmpty || text.count > 1024 || text.hasPrefix("/")
      || text.wholeMatch(of: #/[A-Za-z0-9._@+\/-]+/#) == nil
      || text.split(separator: "/").contains("..")
    return bad ? "'\(text)' is not a path inside the repository such as ./clusters/homelab" : nil
  }

  /// known_hosts lines: `host[,host…] key-type base64-key` each.
  public static func knownHostsProblem(_ text: String) -> String? {
    for line in text.split(separator: "\n") where !line.trimmingCharacters(in: .whitespaces).isEmpty
    {
      let fields = line.split(separator: " ")
      guard fields.count >= 3, !line.contains(where: { $0 != "\t" && isUnsafeInValue($0) }),
        Data(base64Encoded: String(fields[2])) != nil
      else { return "'\(line)' is not a known_hosts line (host key-type base64-key)" }
    }
    return nil
  }

  /// K3s settings: config.yaml keys (`name` or `name+`) with values, or `--name[=value]` flags;
  /// values one line each.
  public static func k3sSettingsProblem(_ value: InventoryValue) -> String? {
    let key = #/[a-z0-9][a-z0-9-]*\+?/#
    func oneLine(_ value: InventoryValue) -> Bool {
      switch value {
      case .string(let text): return !text.contains(where: isUnsafeInValue)
      case .list(let items): return items.allSatisfy(oneLine)
      case .map: return false
      default: return true
      }
    }
    switch value {
    case .map(let settings):
      for (name, setting) in settings {
        guard name.wholeMatch(of: key) != nil else {
          return "\(PrintableText.quoted(name)) is not a K3s setting name (lower-case letters, digits, '-')"
        }
        guard oneLine(setting) else { return "the value of \(name) must be one line of text" }
      }
    case .list(let flags):
      for flag in flags {
        guard let text = flag.stringValue, text.hasPrefix("--"),
          text.dropFirst(2).split(separator: "=", maxSplits: 1).first.map({
            String($0).wholeMatch(of: key) != nil
          }) == true, oneLine(flag)
        else { return "\(PrintableText.quoted(flag.stringValue ?? "")) is not a K3s flag (--name or --name=value)" }
      }
    default:
      break
    }
    return nil
  }

  /// A DNS host name (letters, digits, `-`, `_`; labels separated by dots; at most 253).
  public static func hostNameProblem(_ text: String) -> String? {
    text.count <= 253
      && text.wholeMatch(
        of:
          #/[A-Za-z0-9_]([-A-Za-z0-9_]*[A-Za-z0-9_])?(\.[A-Za-z0-9_]([-A-Za-z0-9_]*[A-Za-z0-9_])?)*\.?/#
      )
        != nil
      ? nil : "'\(text)' is not a host name"
  }

  /// A user name for SSH: letters, digits, `.`, `_`, `-`, not starting with `-`.
  public static func userNameProblem(_ text: String) -> String? {
    text.wholeMatch(of: #/[A-Za-z0-9_.][-A-Za-z0-9_.]{0,63}/#) != nil
      ? nil : "'\(text)' is not a user name (letters, digits, '.', '_', '-')"
  }

  /// An apt repository's key fingerprint: 40 hex digits (spaces between groups allowed).
  public static func fingerprintProblem(_ text: String) -> String? {
    let compact = text.replacingOccurrences(of: " ", with: "")
    return compact.count == 40 && compact.allSatisfy(\.isHexDigit)
      ? nil : "'\(text)' is not a key fingerprint (40 hex digits)"
  }

  /// A control character, a line break or NUL: never part of a single-line value.
  public static func isUnsafeInValue(_ character: Character) -> Bool {
    character.unicodeScalars.contains {
      $0.value < 0x20 || $0.value == 0x7F || (0x80..<0xA0).contains($0.value)
    }
  }

  /// A sha256 digest as `sha256sum` prints it.
  public static func sha256Problem(_ text: String) -> String? {
    text.count == 64 && text.allSatisfy({ $0.isHexDigit && !$0.isUppercase })
      ? nil : "'\(text)' is not a sha256 (64 lower-case hex digits)"
  }

  nonisolated(unsafe) private static let releaseVersion =
    #/v[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.]+)?/#
  nonisolated(unsafe) private static let dnsLabel = #/[a-z0-9]([-a-z0-9]*[a-z0-9])?/#
  nonisolated(unsafe) private static let k3sVersion = #/v[0-9]+\.[0-9]+\.[0-9]+\+k3s[0-9]+/#
  nonisolated(unsafe) private static let cpuQuantity = #/[0-9]+(\.[0-9]+)?m?|\.[0-9]+/#
  nonisolated(unsafe) private static let memoryQuantity =
    #/[0-9]+(\.[0-9]+)?([eE][0-9]+|Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?/#
  nonisolated(unsafe) private static let labelName = #/[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?/#
  nonisolated(unsafe) private static let dnsSubdomain =
    #/[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/#
}
