import PackageAssets

/// The root scripts of the day-2 commands: files under roles/day2/scripts, built into the
/// binary (shellchecked by PackagingTests).
enum OperationScripts {
  /// `roles/day2/scripts/NAME` as built into cluster-mgr (always the built-in copy: a day-2
  /// script is not a role file a developer overrides).
  static func text(_ name: String) -> String {
    guard let text = PackageAssets.roleFiles["day2/scripts/\(name)"] else {
      preconditionFailure("roles/day2/scripts/\(name) is not built into cluster-mgr")
    }
    return text
  }
}
