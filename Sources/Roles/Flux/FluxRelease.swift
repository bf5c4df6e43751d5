import Basics
import Engine

/// The Flux releases cluster-mgr knows, and where a release's install manifest comes from.
public enum FluxRelease {
  /// The sha256 of `install.yaml` for each Flux release cluster-mgr knows.
  ///
  /// v2.9.4: 9eb86c5f…35f8, as pinned (and verified on download) by dafrie/kelson's
  /// hack/flux-crds.sh. It could not be re-derived here (GitHub is out of reach of the build
  /// machine); check a new entry with `curl -fsSL <release>/install.yaml | sha256sum` against the
  /// release's `flux_<version>_checksums.txt` before adding it.
  static let installSHA256: [String: String] = [
    "v2.9.4": "9eb86c5f9d606b2ac2cfe71223ab2f23faa2d59ccb21df4e08e5610e54d535f8"
  ]

  /// The download of `version`'s install manifest from `baseURL` (GitHub's release layout),
  /// checked against `sha256` when given, else against the sha256 cluster-mgr ships; a version
  /// cluster-mgr does not know needs `sha256`.
  public static func download(version: String, baseURL: String, sha256: String?) throws
    -> FluxInputs.InstallSource
  {
    let url = "\(baseURL)/\(version)/install.yaml"
    guard let expected = sha256 ?? installSHA256[version] else {
      throw PlanError(
        "cluster-mgr knows no sha256 for Flux \(version)'s install manifest (\(url)), so it will not apply it",
        remedy:
          "set flux_install_sha256 to its sha256 (listed in the release's flux_\(version.dropFirst())_checksums.txt), "
          + "or use a Flux version cluster-mgr knows: \(installSHA256.keys.sorted().joined(separator: ", "))"
      )
    }
    return .download(url: url, sha256: expected)
  }
}
