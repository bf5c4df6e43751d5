/// Facts about this build of cluster-mgr.
enum BuildInfo {
  /// The cluster-mgr release version.
  static let version = "0.1.0"
}
