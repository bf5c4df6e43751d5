import Basics
import Foundation

/// A directory with a mode, owner and group (parents created as needed).
public struct Directory: Resource {
  /// Absolute path on the host.
  public var path: String
  /// Desired mode (e.g. `0o755`).
  public var mode: Int
  /// Desired owner.
  public var owner: String
  /// Desired group.
  public var group: String

  /// A directory at `path` with `mode`, owned by `owner`:`group`.
  public init(_ path: String, mode: Int = 0o755, owner: String = "root", group: String = "root") {
    self.path = path
    self.mode = mode
    self.owner = owner
    self.group = group
  }

  public func probeScript(_ context: PlanContext) -> String {
    FileProbe.script(path: path, withContent: false)
  }
  public func statPaths(_ context: PlanContext) -> [String] { [path] }
  public var probeSharesShell: Bool { true }

  public func plan(current: ProbeSection, context: PlanContext) throws -> Plan {
    let state = try FileProbe.State(current, path: path)
    let p = ShellSnippets.q(path)
    let chmod = "chmod \(ShellSnippets.mode(mode)) \(p)"
    let chown = "chown \(ShellSnippets.q(owner + ":" + group)) \(p)"
    let verify =
      "cm_stat_of \(p) && [ \"$cm_t $cm_m $cm_o $cm_g\" = \(ShellSnippets.q("d \(ShellSnippets.mode(mode)) \(owner) \(group)")) ]"
    switch state.type {
    case "directory":
      if state.mode == ShellSnippets.mode(mode) && state.owner == owner && state.group == group {
        return .ok(path)
      }
      return Plan(
        .change,
        "\(path): mode/owner \(state.mode ?? "?") \(state.owner ?? "?"):\(state.group ?? "?") → \(ShellSnippets.mode(mode)) \(owner):\(group)",
        apply: (state.owner == owner && state.group == group ? "" : chown + " && ") + chmod,
        verify: verify)
    case "absent":
      return Plan(
        .change, "\(path): create directory",
        apply:
          "# shellcheck disable=SC2174 # the mode is for the directory itself; parents get the umask's\n"
          + "mkdir -p -m \(ShellSnippets.mode(mode)) \(p) && cm_chown_new \(ShellSnippets.q(owner)) \(ShellSnippets.q(group)) \(p)",
        verify: verify)
    default:
      return Plan(
        .change, "\(path) exists as a \(state.type), not a directory",
        apply: "echo \(p) exists as a \(state.type), not a directory >&2; exit 1")
    }
  }
}

/// A path that must not exist.
public struct Absent: Resource {
  /// Absolute path on the host.
  public var path: String
  /// Also remove a non-empty directory.
  public var recursive: Bool

  /// `path` must not exist.
  public init(_ path: String, recursive: Bool = false) {
    self.path = path
    self.recursive = recursive
  }

  public func probeScript(_ context: PlanContext) -> String {
    let p = ShellSnippets.q(path)
    return "if [ -e \(p) ] || [ -L \(p) ]; then echo type=present; else echo type=absent; fi"
  }
  public var probeSharesShell: Bool { true }

  public func plan(current: ProbeSection, context: PlanContext) throws -> Plan {
    guard current["type"] == "present" else { return .ok("\(path) is absent") }
    let p = ShellSnippets.q(path)
    return Plan(
      .change, "\(path): remove",
      apply: recursive ? "rm -rf -- \(p)" : "rm -f -- \(p) || rmdir -- \(p)",
      verify: "! [ -e \(p) ] && ! [ -L \(p) ]")
  }
}

/// A symbolic link pointing at a target (replaced atomically).
public struct Symlink: Resource {
  /// The link's path.
  public var path: String
  /// What it points at.
  public var target: String

  /// A link at `path` pointing at `target`.
  public init(_ path: String, target: String) {
    self.path = path
    self.target = target
  }

  public func probeScript(_ context: PlanContext) -> String {
    FileProbe.script(path: path, withContent: false)
  }
  public func statPaths(_ context: PlanContext) -> [String] { [path] }
  public var probeSharesShell: Bool { true }

  public func plan(current: ProbeSection, context: PlanContext) throws -> Plan {
    let state = try FileProbe.State(current, path: path)
    if state.type == "symlink" && state.target == target { return .ok("\(path) → \(target)") }
    if state.type == "directory" {
      return Plan(
        .change, "\(path) is a directory, not a link",
        apply:
          "echo \(ShellSnippets.q(path)) is a directory, refusing to replace it with a link >&2; exit 1")
    }
    let p = ShellSnippets.q(path)
    let apply = """
      d=\(ShellSnippets.q(Self.parent(of: path))); [ -d "$d" ] || mkdir -p "$d"; t="$d/.cm-link-$cm_nonce"
      ln -s \(ShellSnippets.q(target)) "$t" && mv -Tf "$t" \(p)
      """
    let from = state.type == "symlink" ? "→ \(state.target ?? "?")" : state.type
    return Plan(
      .change, "\(path): \(from) → \(target)", apply: apply,
      verify: "[ \"$(readlink \(p))\" = \(ShellSnippets.q(target)) ]")
  }

  /// The directory `path` is in.
  static func parent(of path: String) -> String {
    let directory = (path as NSString).deletingLastPathComponent
    return directory.isEmpty ? "." : directory
  }
}
