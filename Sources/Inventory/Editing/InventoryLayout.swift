import OrderedCollections

/// Where groups and hosts are written in an inventory document, as key paths from the root
/// (`["all", "children", "workers", "hosts", "w1"]`), in document order.
struct InventoryLayout {
  /// Every place a group is defined (the path of its key).
  var groups: [String: [[String]]] = [:]
  /// Every place a host is listed (the path of its key under `hosts:`).
  var hosts: [String: [[String]]] = [:]
  /// Hosts that come from a range or `name:port` key, which cannot be edited by name.
  var patternKeys: [String: String] = [:]

  init(_ document: YAMLDocument) {
    for entry in document.root?.entries ?? [] {
      visitGroup(entry.name, node: entry.value, path: [entry.name])
    }
  }

  private mutating func visitGroup(_ name: String, node: YAMLNode, path: [String]) {
    groups[name, default: []].append(path)
    for entry in node.entries ?? [] {
      switch entry.name {
      case "children":
        for child in entry.value.entries ?? [] {
          visitGroup(child.name, node: child.value, path: path + ["children", child.name])
        }
      case "hosts":
        for host in entry.value.entries ?? [] {
          let names = (try? HostKeyExpansion.expand(host.name))?.names ?? [host.name]
          if names == [host.name], (try? HostKeyExpansion.expand(host.name))?.port == nil {
            hosts[host.name, default: []].append(path + ["hosts", host.name])
          } else {
            for name in names { patternKeys[name] = host.name }
          }
        }
      default:
        break
      }
    }
  }
}

extension YAMLNode {
  /// The node at a key path below this one.
  func node(at path: [String]) -> YAMLNode? {
    var node: YAMLNode? = self
    for key in path { node = node?.entry(key)?.value }
    return node
  }
}
