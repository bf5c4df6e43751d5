import Foundation

/// The release packages of this checkout, as `scripts/package` builds them into `dist/`.
public struct ReleasePackage: Sendable {
  /// `dist/cluster-mgr_<version>_<arch>.deb`.
  public let deb: URL
  /// `dist/cluster-mgr_<version>_<arch>.tar.gz`: the same files under `usr/`.
  public let tarball: URL
  /// The version the packages carry (the checkout's VERSION file).
  public let version: String

  /// Runs `scripts/package` once per test process (seconds when the release build is up to
  /// date, minutes when it is not) and returns its packages.
  public static func build() throws -> ReleasePackage { try built.get() }

  private static let built = Result { try runPackageScript() }

  static func runPackageScript() throws -> ReleasePackage {
    let script = Repository.root.appendingPathComponent("scripts/package").path
    let result = try ProcessRunner.run([script], currentDirectory: Repository.root.path)
    guard result.status == 0 else {
      throw ReleasePackageError(
        message: "scripts/package failed with status \(result.status):\n\(result.stderr)")
    }
    let written = result.stdout.split(separator: "\n").map {
      Repository.root.appendingPathComponent(String($0))
    }
    guard let deb = written.first(where: { $0.pathExtension == "deb" }),
      let tarball = written.first(where: { $0.path.hasSuffix(".tar.gz") })
    else {
      throw ReleasePackageError(
        message: "scripts/package printed no .deb and .tar.gz path:\n\(result.stdout)")
    }
    return ReleasePackage(deb: deb, tarball: tarball, version: try checkoutVersion())
  }

  /// The version in the checkout's VERSION file.
  public static func checkoutVersion() throws -> String {
    let file = Repository.root.appendingPathComponent("VERSION")
    return try String(contentsOf: file, encoding: .utf8)
      .trimmingCharacters(in: .whitespacesAndNewlines)
  }
}

/// `scripts/package` failed or did not say what it wrote.
public struct ReleasePackageError: Error, CustomStringConvertible {
  /// What went wrong, with the script's output.
  public let message: String
  /// The message.
  public var description: String { message }
}
