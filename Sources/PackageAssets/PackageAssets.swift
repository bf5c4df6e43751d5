/// The files cluster-mgr carries inside its binary: the release version from VERSION and every
/// file of roles/, compiled in at build time by the EmbedPackageAssets plugin.
public enum PackageAssets {
  /// The release version, exactly as VERSION holds it (without the final newline).
  public static var version: String { GeneratedAssets.version }

  /// Every file under roles/ (except names starting with ".") by its path relative to roles/.
  ///
  /// Keys look like `k3s/templates/k3s.service.mustache`.
  public static var roleFiles: [String: String] { GeneratedAssets.roleFiles }
}
