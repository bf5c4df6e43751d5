import Basics
import Engine
import Foundation
import Inventory

/// Where K3s binaries come from.
public enum K3sSource: Sendable, Equatable {
  /// Each host downloads the release from GitHub and checks it against the release's sha256 file.
  case download(baseURL: String)
  /// The workstation streams the binary from an artifact directory
  /// (`DIR/k3s/<version>/k3s[-arm64|-armhf]` with `sha256sum-<arch>.txt`), for airgapped or
  /// slow links.
  case artifacts(directory: String)

  /// GitHub's release downloads (the default of `k3s_release_url`).
  public static let github = K3sSource.download(
    baseURL: InventorySchema.spec("k3s_release_url")?.defaultValue?.stringValue ?? "")
}

/// The names K3s release assets use for a machine architecture (`uname -m`).
struct K3sAsset {
  let binary: String
  let checksums: String

  init(machine: String) throws {
    switch machine {
    case "x86_64", "amd64": (binary, checksums) = ("k3s", "sha256sum-amd64.txt")
    case "aarch64", "arm64": (binary, checksums) = ("k3s-arm64", "sha256sum-arm64.txt")
    case "armv7l", "armv7", "armhf": (binary, checksums) = ("k3s-armhf", "sha256sum-arm.txt")
    default: throw PlanError("K3s has no release for the machine architecture \(machine)")
    }
  }
}

/// A verified K3s binary from the artifact directory, checked once per run.
final class ArtifactCatalog: @unchecked Sendable {
  let directory: String
  private let lock = NSLock()
  private var verified: [String: String] = [:]

  init(directory: String) { self.directory = directory }

  /// The local path and sha256 of K3s `version` for `asset`, verified against the sums file.
  func k3s(version: String, asset: K3sAsset) throws -> (path: String, sha256: String) {
    let dir = (directory as NSString).appendingPathComponent("k3s/\(version)")
    let path = (dir as NSString).appendingPathComponent(asset.binary)
    let sums = (dir as NSString).appendingPathComponent(asset.checksums)
    lock.lock()
    defer { lock.unlock() }
    if let sha = verified[path] { return (path, sha) }
    guard FileManager.default.fileExists(atPath: path) else {
      throw PlanError(
        "the artifact directory has no \(asset.binary) for K3s \(version) (expected \(path)); download it and \(asset.checksums) from https://github.com/k3s-io/k3s/releases/tag/\(version)"
      )
    }
    guard let text = try? String(contentsOfFile: sums, encoding: .utf8) else {
      throw PlanError("the artifact directory has no \(sums) to verify \(path) against")
    }
    guard
      let line = text.split(separator: "\n").first(where: {
        $0.hasSuffix(" " + asset.binary) || $0.hasSuffix("*" + asset.binary)
      }),
      let expected = line.split(separator: " ").first.map(String.init)
    else { throw PlanError("\(sums) lists no checksum for \(asset.binary)") }
    let actual: String
    do { actual = try FileHash.sha256(path: path) } catch {
      throw PlanError("cannot read \(path): \(error.localizedDescription)")
    }
    guard actual == expected else {
      throw PlanError(
        "\(path) has sha256 \(actual) but \(asset.checksums) says \(expected): the artifact is corrupt or not the release"
      )
    }
    verified[path] = actual
    return (path, actual)
  }
}

/// The K3s binary downloaded by the host itself from a release URL, checked against the
/// release's sha256 file, replaced only when the installed version differs.
struct K3sDownload: Resource {
  let version: String
  let baseURL: String
  let asset: K3sAsset

  func probeScript(_ context: PlanContext) -> String {
    "[ -x /usr/local/bin/k3s ] && echo \"installed=$(/usr/local/bin/k3s --version 2>/dev/null | awk 'NR==1{print $3}')\""
  }

  func plan(current: ProbeSection, context: PlanContext) throws -> Plan {
    let installed = current["installed"]
    if installed == version { return .ok("K3s \(version) installed") }
    let base = baseURL + "/" + version.replacingOccurrences(of: "+", with: "%2B")
    let binaryURL = base + "/" + asset.binary
    let sumsURL = base + "/" + asset.checksums
    let mismatch =
      ShellQuote.quote("K3s \(version): \(binaryURL) has sha256 ") + "\"$got\""
      + ShellQuote.quote(", but \(sumsURL) lists ") + "\"${want:-nothing for \(asset.binary)}\""
      + ShellQuote.quote("; nothing was installed")
    let apply = """
      t=$(mktemp -d) || exit 1
      trap 'rm -rf "$t"' EXIT
      curl -fsSL --retry 3 \(ShellQuote.quote(sumsURL)) -o "$t/sums" || exit 1
      curl -fSL --retry 3 --progress-bar \(ShellQuote.quote(binaryURL)) -o "$t/k3s" || exit 1
      want=$(awk -v f=\(ShellQuote.quote(asset.binary)) '$2 == f || $2 == "*" f { print $1 }' "$t/sums")
      got=$(sha256sum < "$t/k3s" | cut -c1-64)
      [ -n "$want" ] && [ "$want" = "$got" ] || { echo \(mismatch) >&2; exit 1; }
      install -m 0755 "$t/k3s" /usr/local/bin/.k3s.new && mv -f /usr/local/bin/.k3s.new /usr/local/bin/k3s
      """
    return Plan(
      .change, "K3s \(installed.map { "\($0) → " } ?? "install ")\(version) (download)",
      apply: apply,
      verify:
        "[ \"$(/usr/local/bin/k3s --version | awk 'NR==1{print $3}')\" = \(ShellQuote.quote(version)) ]"
    )
  }
}
