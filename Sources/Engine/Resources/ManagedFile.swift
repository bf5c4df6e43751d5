import Basics
import Crypto
import Foundation

/// Where a file's desired content comes from.
public enum FileContent: Sendable {
  /// Text (rendered templates, generated configs).
  case text(String)
  /// Bytes.
  case bytes(Data)
  /// A large local artifact, streamed to the host only when its sha256 differs.
  case artifact(localPath: String, sha256: String)

  /// The sha256 (hex) of the content.
  var sha256: String {
    switch self {
    case .text(let text): return Data(text.utf8).sha256Hex
    case .bytes(let data): return data.sha256Hex
    case .artifact(_, let sha): return sha
    }
  }

  /// The content in memory (nil for artifacts).
  var data: Data? {
    switch self {
    case .text(let text): return Data(text.utf8)
    case .bytes(let data): return data
    case .artifact: return nil
    }
  }
}

extension Data {
  /// The sha256 of these bytes as lowercase hex.
  var sha256Hex: String { FileHash.sha256(of: self) }
}

/// A regular file with exact content, mode, owner and group; replaced atomically when it differs.
public struct ManagedFile: Resource {
  /// Absolute path on the host.
  public var path: String
  /// Desired content.
  public var content: FileContent
  /// Desired mode (e.g. `0o644`).
  public var mode: Int
  /// Desired owner.
  public var owner: String
  /// Desired group.
  public var group: String
  /// The content is a secret: never shown in diffs, summaries or history.
  public var secret: Bool
  /// Shell run after the file changed (flags such as "apt lists changed").
  var afterChange: String?

  /// A file at `path` with `content`, `mode`, owned by `owner`:`group` (root:root by default).
  public init(
    _ path: String, content: FileContent, mode: Int = 0o644, owner: String = "root",
    group: String = "root", secret: Bool = false
  ) {
    self.path = path
    self.content = content
    self.mode = mode
    self.owner = owner
    self.group = group
    self.secret = secret
  }

  /// The file is a systemd unit: a change makes the engine run `systemctl daemon-reload` once.
  public func systemdUnit() -> ManagedFile {
    var copy = self
    copy.afterChange = ApplyScript.requestDaemonReload
    return copy
  }

  /// The file belongs to an apt repository: a change refreshes apt's lists before installs.
  public func aptSource() -> ManagedFile {
    var copy = self
    copy.afterChange = ApplyScript.requestAptUpdate
    return copy
  }

  public func probeScript(_ context: PlanContext) -> String {
    let wantContent = !secret && context.diffMode
    return FileProbe.script(path: path, withContent: wantContent, hashKey: hashKey)
  }

  public func statPaths(_ context: PlanContext) -> [String] { [path] }
  public var probeSharesShell: Bool { true }

  /// The name under which the host remembers this file's sha256 (see `ProbeScript.hashFunctions`).
  var hashKey: String { Data(path.utf8).sha256Hex }

  public func plan(current: ProbeSection, context: PlanContext) throws -> Plan {
    let state = try FileProbe.State(current, path: path)
    defer { if let data = content.data { context.overlay[path] = data } }
    if let planned = context.overlay[path] {
      return plan(state: state, currentSHA: planned.sha256Hex, currentText: planned, context)
    }
    return plan(state: state, currentSHA: state.sha256, currentText: state.content, context)
  }

  private func plan(
    state: FileProbe.State, currentSHA: String?, currentText: Data?, _ context: PlanContext
  ) -> Plan {
    if state.type == "directory" || state.type == "other" {
      return Plan(
        .change, "\(path) is a \(state.type), not a file",
        apply: "echo \(ShellSnippets.q(path)) is a \(state.type), not a regular file >&2; exit 1")
    }
    let desiredSHA = content.sha256
    let contentDiffers = currentSHA != desiredSHA || state.type == "symlink"
    let modeDiffers = state.mode != ShellSnippets.mode(mode)
    let ownerDiffers = state.owner != owner || state.group != group
    if !contentDiffers && !modeDiffers && !ownerDiffers && state.type == "file" {
      return .ok(path)
    }
    var what: [String] = []
    if state.type == "absent" {
      what.append("create")
    } else {
      if contentDiffers { what.append("content") }
      if modeDiffers { what.append("mode \(state.mode ?? "?") → \(ShellSnippets.mode(mode))") }
      if ownerDiffers {
        what.append("owner \(state.owner ?? "?"):\(state.group ?? "?") → \(owner):\(group)")
      }
    }
    let summary = "\(path): \(what.joined(separator: ", "))"
    var diff: String?
    if contentDiffers && context.diffMode {
      if secret {
        diff = "--- \(path)\n+++ \(path) (desired)\n(secret content changed; not shown)\n"
      } else if let desired = content.data {
        if let old = currentText.map({ String(decoding: $0, as: UTF8.self) })
          ?? (state.type == "absent" ? "" : nil),
          let new = String(data: desired, encoding: .utf8)
        {
          diff = UnifiedDiff.make(old: old, new: new, path: path).map(context.redactor.redact)
        } else {
          diff =
            "--- \(path)\n+++ \(path) (desired)\n(binary or large content: sha256 \(currentSHA ?? "none") → \(desiredSHA))\n"
        }
      } else {
        diff =
          "--- \(path)\n+++ \(path) (desired)\n(artifact: sha256 \(currentSHA ?? "none") → \(desiredSHA))\n"
      }
    }
    var apply: String
    var staged: [StagedFile] = []
    let args = [path, ShellSnippets.mode(mode), owner, group, desiredSHA].map(ShellSnippets.q).joined(
      separator: " ")
    if !contentDiffers {
      apply =
        (ownerDiffers ? "chown \(ShellSnippets.q(owner + ":" + group)) \(ShellSnippets.q(path)) && " : "")
        + "chmod \(ShellSnippets.mode(mode)) \(ShellSnippets.q(path))"
    } else {
      switch content {
      case .artifact(let local, let sha):
        let name = sha
        staged.append(StagedFile(localPath: local, sha256: sha, name: name))
        apply = "cm_put_staged \(args) \(ShellSnippets.q(name)) \(hashKey)"
      case .text, .bytes:
        apply = ShellSnippets.heredoc("cm_put \(args) \(hashKey)", data: content.data!)
      }
    }
    if let afterChange { apply += "\n" + afterChange }
    let verify =
      "cm_verify_file \(ShellSnippets.q(path)) \(desiredSHA) \(ShellSnippets.q("\(ShellSnippets.mode(mode)) \(owner) \(group)")) \(hashKey)"
    return Plan(
      .change, context.redactor.redact(summary), diff: diff, apply: apply, verify: verify,
      stagedFiles: staged)
  }
}

/// Probing a path's type, mode, owner and content hash.
enum FileProbe {
  /// The probe of `path` (looked up with `cm_stat_of`: list it in the resource's `statPaths`).
  /// For a regular file it prints the sha256 and, `withContent`, the content of files up to
  /// 256 KiB; `hashKey` lets it reuse the sha256 the change script remembered.
  static func script(path: String, withContent: Bool, hashKey: String? = nil) -> String {
    """
    p=\(ShellSnippets.q(path))
    cm_stat_of "$p"
    case $cm_t in
    l) echo type=symlink; echo "target=$cm_l" ;;
    d) echo type=directory; echo "mode=$cm_m owner=$cm_o group=$cm_g" ;;
    f) echo type=file; echo "mode=$cm_m owner=$cm_o group=$cm_g size=$cm_z"
      printf 'sha256='; cm_sha256_of "$p" \(ShellSnippets.q(hashKey ?? "")) "$cm_id"\(withContent ? "\n  [ \"$cm_z\" -le 262144 ] && { printf 'content='; base64 -w0 < \"$p\"; echo; }" : "")
      ;;
    '') echo type=absent ;;
    *) echo type=other ;;
    esac
    """
  }

  struct State {
    var type: String
    var mode: String?
    var owner: String?
    var group: String?
    var sha256: String?
    var content: Data?
    var target: String?

    init(_ section: ProbeSection, path: String) throws {
      guard let type = section["type"] else {
        throw PlanError(
          "could not read the state of \(path) (probe printed: \(section.text.prefix(200)))")
      }
      self.type = type
      mode = section["mode"]
      owner = section["owner"]
      group = section["group"]
      sha256 = section["sha256"]
      content = section.data("content")
      target = section.lineValue("target")
    }
  }
}
