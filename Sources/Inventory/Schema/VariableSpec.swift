import Foundation
import OrderedCollections

/// What cluster-mgr knows about one inventory variable: its type, where it belongs, its
/// default and the rule its value must follow.
public struct VariableSpec: Sendable {
  /// The JSON type a value must have.
  public enum Kind: String, Sendable {
    case string, integer, boolean, mapping, list
    /// A number or a string (quantities: `2`, `"500m"`).
    case quantity
    /// K3s settings: a mapping of config.yaml keys, or a list of `--flag[=value]` strings.
    case k3sSettings
  }

  /// The syntax rule on top of the type.
  public enum Rule: Sendable {
    case none
    case ipAddress
    case hostOrAddress
    case cidr
    case k3sVersion
    case cpuQuantity
    case memoryQuantity
    case port
    case positiveInteger
    /// GPU time-slicing replicas: 2 or more (what NVIDIA's device plugin accepts).
    case timeSlicingReplicas
    case labels
    case taints
    /// A DNS-1123 label: namespaces, the cluster's name.
    case dnsLabel
    /// A release tag such as `v2.9.4`.
    case releaseVersion
    /// An `https://` (or `http://`) base URL without query or fragment.
    case baseURL
    /// A sha256 digest: 64 lower-case hex digits.
    case sha256
    /// A Git repository URL (`https://`, `ssh://`, or scp-like `git@host:path`).
    case gitURL
    /// A Git branch name.
    case gitBranch
    /// A relative path inside a repository.
    case repositoryPath
    /// known_hosts lines.
    case knownHosts
    /// An SSH user name.
    case userName
    /// A key fingerprint (40 hex digits).
    case fingerprint
    /// A file path on the workstation (one line).
    case localPath
    /// One line of text (no control character).
    case singleLine
    /// A DNS name (lower-case labels separated by dots).
    case dnsName
    /// An apt repository base URL, `$(ARCH)` allowed.
    case aptRepositoryURL
  }

  /// Where the variable is meant to be set.
  public enum Level: String, Sendable {
    /// Cluster-wide: `all` (or a group).
    case cluster
    /// Per node: a host (or a group of hosts).
    case node
  }

  /// The variable's name.
  public let name: String
  /// Its type.
  public let kind: Kind
  /// Its syntax rule.
  public let rule: Rule
  /// Cluster-wide or per node.
  public let level: Level
  /// The value used when the inventory does not set it (nil: no default).
  public let defaultValue: InventoryValue?
  /// A token, password or key: never printed.
  public let isSecret: Bool
  /// One line for `docs/inventory.md` and `config-get`.
  public let summary: String

  init(
    _ name: String, _ kind: Kind, _ rule: Rule = .none, level: Level,
    default defaultValue: InventoryValue? = nil, secret: Bool = false, _ summary: String
  ) {
    self.name = name
    self.kind = kind
    self.rule = rule
    self.level = level
    self.defaultValue = defaultValue
    self.isSecret = secret
    self.summary = summary
  }

  /// What is wrong with `value` for this variable, or nil when it is fine.
  public func problem(with value: InventoryValue) -> String? {
    switch (kind, value) {
    case (.string, .string), (.integer, .int), (.boolean, .bool), (.mapping, .map),
      (.list, .list), (.quantity, .string), (.quantity, .int), (.quantity, .double),
      (.k3sSettings, .map):
      break
    case (.k3sSettings, .list(let items)) where items.allSatisfy({ $0.stringValue != nil }):
      break
    case (.string, .int) where rule == .hostOrAddress:
      break
    default:
      let hint =
        kind == .boolean && value.stringValue != nil ? " (write true or false without quotes)" : ""
      return
        "\(name) must be \(article(kind)), found \(value.typeName) \(JSONText.compact(value))\(hint)"
    }
    if kind == .k3sSettings {
      return ValueRules.k3sSettingsProblem(value).map { "\(name): \($0)" }
    }
    return ruleProblem(value)
  }

  private func article(_ kind: Kind) -> String {
    switch kind {
    case .string: return "a string"
    case .integer: return "an integer"
    case .boolean: return "true or false"
    case .mapping: return "a mapping"
    case .list: return "a list"
    case .quantity: return "a quantity"
    case .k3sSettings: return "a mapping of K3s settings or a list of k3s flags"
    }
  }

  private func ruleProblem(_ value: InventoryValue) -> String? {
    let text: String
    switch value {
    case .string(let string): text = string
    case .int(let int): text = String(int)
    case .double(let double): text = "\(double)"
    default: text = ""
    }
    switch rule {
    case .none: return nil
    case .ipAddress:
      return ValueRules.isIPAddress(text) ? nil : "\(name) '\(text)' is not an IP address"
    case .hostOrAddress:
      if text.isEmpty { return "\(name) must not be empty" }
      if !ValueRules.isIPAddress(text), ValueRules.hostNameProblem(text) != nil {
        return "\(name) '\(text)' is not a host name or address"
      }
      if ValueRules.looksLikeIPv4(text), !ValueRules.isIPv4(text) {
        return "\(name) '\(text)' is not a valid IPv4 address"
      }
      return nil
    case .cidr: return ValueRules.cidrProblem(text).map { "\(name): \($0)" }
    case .k3sVersion: return ValueRules.k3sVersionProblem(text).map { "\(name): \($0)" }
    case .cpuQuantity: return ValueRules.cpuQuantityProblem(text).map { "\(name): \($0)" }
    case .memoryQuantity: return ValueRules.memoryQuantityProblem(text).map { "\(name): \($0)" }
    case .port:
      guard let port = value.intValue, (1...65535).contains(port) else {
        return "\(name) must be a port number from 1 to 65535"
      }
      return nil
    case .positiveInteger:
      guard let number = value.intValue, number >= 1 else { return "\(name) must be 1 or more" }
      return nil
    case .timeSlicingReplicas:
      guard let number = value.intValue, number >= 2 else {
        return
          "\(name) must be 2 or more: NVIDIA's device plugin refuses fewer replicas and exits; to offer each GPU once, set gpu_time_slicing_enabled: false"
      }
      return nil
    case .labels:
      for (key, labelValue) in value.mapValue ?? [:] {
        if let problem = ValueRules.labelKeyProblem(key) { return problem }
        guard let string = Self.labelString(labelValue) else {
          return "label '\(key)' must have a string value, found \(labelValue.typeName)"
        }
        if let problem = ValueRules.labelValueProblem(string) { return problem }
      }
      return nil
    case .taints:
      for entry in value.listValue ?? [] {
        if case .failure(let error) = NodeTaint.parse(entry) { return error.message }
      }
      return nil
    case .dnsLabel: return ValueRules.dnsLabelProblem(text, what: name)
    case .releaseVersion: return ValueRules.releaseVersionProblem(text).map { "\(name): \($0)" }
    case .baseURL: return ValueRules.baseURLProblem(text).map { "\(name): \($0)" }
    case .sha256: return ValueRules.sha256Problem(text).map { "\(name): \($0)" }
    case .gitURL: return ValueRules.gitURLProblem(text).map { "\(name): \($0)" }
    case .gitBranch: return ValueRules.gitBranchProblem(text).map { "\(name): \($0)" }
    case .repositoryPath: return ValueRules.repositoryPathProblem(text).map { "\(name): \($0)" }
    case .knownHosts: return ValueRules.knownHostsProblem(text).map { "\(name): \($0)" }
    case .userName: return ValueRules.userNameProblem(text).map { "\(name): \($0)" }
    case .fingerprint: return ValueRules.fingerprintProblem(text).map { "\(name): \($0)" }
    case .localPath, .singleLine:
      return text.contains(where: ValueRules.isUnsafeInValue)
        || (rule == .localPath && text.isEmpty)
        ? "\(name) must be one line of text without control characters" : nil
    case .dnsName:
      return ValueRules.nodeNameProblem(text) == nil
        ? nil : "\(name) '\(text)' is not a DNS name (lower-case letters, digits, '-' and '.')"
    case .aptRepositoryURL:
      return ValueRules.baseURLProblem(text.replacingOccurrences(of: "$(ARCH)", with: "amd64"))
        .map { "\(name): \($0)" }
    }
  }

  /// A label value as Kubernetes gets it: strings as they are, booleans and numbers spelled out.
  static func labelString(_ value: InventoryValue) -> String? {
    switch value {
    case .string(let string): return string
    case .bool(let bool): return bool ? "true" : "false"
    case .int(let int): return String(int)
    case .double(let double): return "\(double)"
    default: return nil
    }
  }
}
