import Basics
import Foundation

/// Kernel parameters: persisted in a sysctl.d file and set now.
public struct Sysctl: Resource {
  /// The sysctl.d file, e.g. `/etc/sysctl.d/90-k8s.conf`.
  public var file: String
  /// Keys and values, in file order.
  public var settings: [(key: String, value: String)]

  /// `settings` persisted in `file` and applied to the running kernel.
  public init(file: String, _ settings: [(key: String, value: String)]) {
    self.file = file
    self.settings = settings
  }

  /// Whitespace-insensitive form of a value (`sysctl -n` prints tabs between numbers).
  private func normalized(_ value: String?) -> String? {
    value.map { $0.split(whereSeparator: \.isWhitespace).joined(separator: " ") }
  }

  var fileContent: String {
    "# Managed by cluster-mgr.\n" + settings.map { "\($0.key) = \($0.value)\n" }.joined()
  }

  public func probeScript(_ context: PlanContext) -> String {
    ManagedFile(file, content: .text(fileContent)).probeScript(context) + "\n"
      + settings.map { "echo \"sysctl.\($0.key)=$(sysctl -n \(ShellSnippets.q($0.key)) 2>/dev/null)\"" }
      .joined(separator: "\n")
  }

  public func statPaths(_ context: PlanContext) -> [String] { [file] }
  public var probeSharesShell: Bool { true }

  public func plan(current: ProbeSection, context: PlanContext) throws -> Plan {
    let filePlan = try ManagedFile(file, content: .text(fileContent)).plan(
      current: current, context: context)
    let stale = settings.filter {
      normalized(current.lineValue("sysctl.\($0.key)")) != normalized($0.value)
    }
    if filePlan.decision == .ok && stale.isEmpty {
      return .ok(settings.map { "\($0.key)=\($0.value)" }.joined(separator: " "))
    }
    var apply: [String] = []
    if filePlan.decision == .change, let fileApply = filePlan.apply { apply.append(fileApply) }
    apply += stale.map { "sysctl -q -w \(ShellSnippets.q("\($0.key)=\($0.value)"))" }
    let verify = settings.map {
      "[ \"$(sysctl -n \(ShellSnippets.q($0.key)) | tr -s '\\t ' '  ')\" = \(ShellSnippets.q(normalized($0.value) ?? "")) ]"
    }
    .joined(separator: " && ")
    let summary =
      (filePlan.decision == .change ? [filePlan.summary] : [])
      + stale.map { "\($0.key): \(current.lineValue("sysctl.\($0.key)") ?? "unset") → \($0.value)" }
    return Plan(
      .change, summary.joined(separator: "; "), diff: filePlan.diff,
      apply: apply.joined(separator: "\n"),
      verify: verify)
  }
}

/// Kernel modules: listed in a modules-load.d file and loaded now.
public struct KernelModules: Resource {
  /// The modules-load.d file, e.g. `/etc/modules-load.d/k8s.conf`.
  public var file: String
  /// Module names.
  public var modules: [String]

  /// `modules` persisted in `file` and loaded (or built into the kernel).
  public init(file: String, _ modules: [String]) {
    self.file = file
    self.modules = modules
  }

  var fileContent: String { "# Managed by cluster-mgr.\n" + modules.map { $0 + "\n" }.joined() }

  static func loadedTest(_ module: String) -> String {
    let m = ShellSnippets.q(module)
    return
      "{ [ -d /sys/module/\(m) ] || grep -q \"/\(module).ko\" \"/lib/modules/$(uname -r)/modules.builtin\" 2>/dev/null; }"
  }

  public func probeScript(_ context: PlanContext) -> String {
    ManagedFile(file, content: .text(fileContent)).probeScript(context) + "\n"
      + modules.map {
        "if \(Self.loadedTest($0)); then echo module.\($0)=loaded; else echo module.\($0)=missing; fi"
      }
      .joined(separator: "\n")
  }

  public func statPaths(_ context: PlanContext) -> [String] { [file] }
  public var probeSharesShell: Bool { true }

  public func plan(current: ProbeSection, context: PlanContext) throws -> Plan {
    let filePlan = try ManagedFile(file, content: .text(fileContent)).plan(
      current: current, context: context)
    let missing = modules.filter { current["module.\($0)"] != "loaded" }
    if filePlan.decision == .ok && missing.isEmpty {
      return .ok("loaded: \(modules.joined(separator: ", "))")
    }
    var apply: [String] = []
    if filePlan.decision == .change, let fileApply = filePlan.apply { apply.append(fileApply) }
    apply += missing.map { "modprobe \(ShellSnippets.q($0))" }
    let summary =
      (filePlan.decision == .change ? [filePlan.summary] : [])
      + missing.map { "load \($0)" }
    return Plan(
      .change, summary.joined(separator: "; "), diff: filePlan.diff,
      apply: apply.joined(separator: "\n"),
      verify: modules.map(Self.loadedTest).joined(separator: " && "))
  }
}
