import Basics
import Foundation
/// Which tasks `--tags` / `--skip-tags` select.
///
/// A task's effective tags are its own tags, its role's tags and the role's name (role tags are
/// inherited by every task of the role). The tag `always` is selected unless skipped by name;
/// with no `--tags`, every task is selected.
public struct TagSelection: Sendable {
  /// `--tags`.
  public var include: Set<String>
  /// `--skip-tags`.
  public var exclude: Set<String>

  /// Creates a selection.
  public init(include: Set<String>, exclude: Set<String>) {
    self.include = include
    self.exclude = exclude
  }

  /// The effective tags of `task` in `role`.
  public static func effectiveTags(_ task: TaskSpec, in role: Role) -> Set<String> {
    task.tags.union(role.tags).union([role.name])
  }

  /// Whether `task` of `role` runs.
  public func selects(_ task: TaskSpec, in role: Role) -> Bool {
    selects(tags: Self.effectiveTags(task, in: role))
  }

  /// Whether a task whose effective tags are `tags` runs.
  public func selects(tags: Set<String>) -> Bool {
    if !exclude.isDisjoint(with: tags) { return false }
    if include.isEmpty || include.contains("all") { return true }
    return !include.isDisjoint(with: tags) || tags.contains("always")
  }
}
