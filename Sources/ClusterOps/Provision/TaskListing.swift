import Engine

/// `provision --list-tags` / `--list-tasks`: what a run would consider, without touching a host.
public enum TaskListing {
  /// Lines for `plays`: every play's roles and selected tasks with their effective tags, or,
  /// with `tagsOnly`, the sorted set of tags.
  public static func lines(_ plays: [Play], options: RunOptions, tagsOnly: Bool) -> [String] {
    let selection = TagSelection(include: options.tags, exclude: options.skipTags)
    let empty = FactStore.Snapshot(byHost: [:])
    var tags = Set<String>()
    var lines: [String] = []
    for play in plays {
      lines.append(
        "play \"\(play.name)\" on \(play.hosts.joined(separator: ", "))\(play.strategy == .parallel ? "" : " (one at a time)")"
      )
      for role in play.roles {
        // The task list of the play's first host that has any (roles build tasks per host).
        var tasks: [TaskSpec] = []
        for host in play.hosts {
          if let built = try? role.tasks(RoleContext(host: host, facts: empty, checkMode: true)),
            !built.isEmpty
          {
            tasks = built
            break
          }
        }
        if tasks.isEmpty { continue }
        lines.append("  role \(role.name)")
        for task in tasks {
          let effective = TagSelection.effectiveTags(task, in: role)
          tags.formUnion(effective)
          guard selection.selects(task, in: role) else { continue }
          lines.append("    \(task.name)  [\(effective.sorted().joined(separator: ", "))]")
        }
      }
    }
    return tagsOnly ? ["tags: " + tags.sorted().joined(separator: ", ")] : lines
  }
}
