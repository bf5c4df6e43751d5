/// A file that cannot be embedded: where it is, what is wrong, and what to do.
struct EmbedError: Error, CustomStringConvertible {
  /// The file as the person editing the package sees it: `VERSION`, `roles/k3s/files/x`.
  let file: String
  /// What is wrong with it.
  let problem: String
  /// What to do about it.
  let remedy: String

  var description: String { "\(file): error: \(problem)\n  fix: \(remedy)" }
}
