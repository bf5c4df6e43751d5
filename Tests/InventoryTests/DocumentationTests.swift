import ClusterMgrTesting
import Foundation
import Inventory
import OrderedCollections
import Testing

/// docs/inventory.md documents every variable of the schema with its default.
@Suite struct DocumentationTests {
  @Test func everySchemaVariableIsDocumentedWithItsDefault() throws {
    let path = Repository.root.appendingPathComponent("docs/inventory.md").path
    let text = try String(contentsOfFile: path, encoding: .utf8)
    let rows = text.split(separator: "\n").filter { $0.hasPrefix("| `") }
    for (name, spec) in InventorySchema.variables {
      let row = rows.first { $0.hasPrefix("| `\(name)` |") }
      #expect(row != nil, "\(name) has no row in docs/inventory.md")
      if let row, let value = spec.defaultValue {
        let spelled =
          value.stringValue.map { $0.isEmpty ? "\"\" (empty)" : $0 } ?? value.description
        let cells = row.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
        #expect(cells.count > 2 && cells[2] == spelled, "\(name): default \(spelled) in \(row)")
      }
    }
  }
}
