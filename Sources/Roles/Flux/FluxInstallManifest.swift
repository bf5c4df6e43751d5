import Basics
import CurlHTTP
import Engine
import Foundation

/// The text of Flux's install manifest: read from `--artifacts`, or downloaded from the release
/// by the workstation and checked against its sha256 before anything is applied; a checked
/// download is kept in `$CLUSTER_MGR_STATE_DIR/cache/flux/<version>/install.yaml`, so later runs
/// need no download.
enum FluxInstallManifest {
  static func text(version: String, source: FluxInputs.InstallSource) async throws -> String {
    switch source {
    case .file(let path):
      do { return try String(contentsOfFile: path, encoding: .utf8) } catch {
        throw PlanError(
          "cannot read the Flux install manifest \(path): \(error.localizedDescription)")
      }
    case .download(let url, let sha256):
      let cached = StatePaths.directory.appendingPathComponent("cache/flux/\(version)/install.yaml")
        .path
      if let data = FileManager.default.contents(atPath: cached),
        FileHash.sha256(of: data) == sha256
      {
        return String(decoding: data, as: UTF8.self)
      }
      let data = try await download(url, version: version)
      let got = FileHash.sha256(of: data)
      guard got == sha256 else {
        throw PlanError(
          "Flux \(version)'s install manifest \(url) has sha256 \(got), but cluster-mgr expects \(sha256); nothing was applied",
          remedy:
            "check flux_release_url and flux_install_sha256 (a mirror must serve the release's own file)"
        )
      }
      try? AtomicFile.makeDirectories(AtomicFile.directoryName(cached), mode: 0o700)
      try? AtomicFile.write(data, to: cached, mode: 0o600)
      return String(decoding: data, as: UTF8.self)
    }
  }

  /// `url`, following GitHub's redirect to its object store, with the system's CAs.
  private static func download(_ url: String, version: String) async throws -> Data {
    var location = url
    let client = HTTPClient(maximumBodySize: 32 << 20)
    for _ in 0..<5 {
      switch await client.send(HTTPRequest(url: location, timeout: .seconds(120))) {
      case .success(let response) where (301...308).contains(response.status):
        guard let next = response.headers["location"] else { break }
        location = next
        continue
      case .success(let response) where response.status == 200:
        return response.body
      case .success(let response):
        throw PlanError(
          "downloading Flux \(version)'s install manifest \(location) failed: HTTP \(response.status)"
        )
      case .failure(let failure):
        throw PlanError(
          "downloading Flux \(version)'s install manifest \(location) failed: \(failure)")
      }
    }
    throw PlanError("downloading Flux \(version)'s install manifest \(url): too many redirects")
  }
}
