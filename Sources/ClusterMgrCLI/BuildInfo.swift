import PackageAssets

/// Facts about this build of cluster-mgr.
enum BuildInfo {
  /// The cluster-mgr release version: the package's VERSION file, compiled in.
  static let version = PackageAssets.version
}
