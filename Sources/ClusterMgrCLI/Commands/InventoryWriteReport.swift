import Foundation
import Inventory
import OrderedCollections

/// Prints what an inventory write did: the changes, the backups, notes and warnings.
enum InventoryWriteReport {
  static func print(_ result: InventoryFile.WriteResult, dryRun: Bool, json: Bool) {
    if json {
      var files: [InventoryValue] = []
      for (file, change) in result.changes {
        files.append(
          .map([
            "file": .string(file),
            "backup": result.backups[file].map(InventoryValue.string) ?? .null,
            "diff": .string(LineDiff.unified(old: change.old, new: change.new, file: file)),
          ]))
      }
      Swift.print(
        JSONText.pretty(
          .map([
            "changed": .bool(!result.changes.isEmpty),
            "written": .bool(!dryRun && !result.writtenFiles.isEmpty),
            "summary": .list(result.summary.map(InventoryValue.string)),
            "notes": .list(result.notes.map(InventoryValue.string)), "files": .list(files),
          ]), sortKeys: false, indent: 2))
      return
    }
    for line in result.summary { Swift.print(line) }
    for note in result.notes { Swift.print("note: " + note) }
    if dryRun {
      for (file, change) in result.changes {
        Swift.print(LineDiff.unified(old: change.old, new: change.new, file: file), terminator: "")
      }
      if !result.changes.isEmpty { Swift.print("(dry run: nothing written)") }
    }
    for (_, backup) in result.backups { Swift.print("backup: " + backup) }
    for warning in result.warnings { printToStandardError(warning.description) }
  }
}
