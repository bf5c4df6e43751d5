import ClusterMgrTesting
import Foundation
import Testing

/// Package.swift says what each target depends on, and the sources say what they import: the two
/// agree, so the manifest is a true map of the modules (no dependency declared and unused, no
/// import that only compiles because some other target pulls the module in).
@Suite struct ManifestImportsTests {
  /// Modules of the toolchain and the system, importable without a declared dependency.
  static let system: Set<String> = [
    "Foundation", "FoundationEssentials", "Glibc", "Darwin", "Musl", "Dispatch", "Testing",
    "XCTest", "_Concurrency", "Synchronization", "PackagePlugin",
  ]

  /// The modules each product of a package dependency brings.
  static let productModules: [String: Set<String>] = [
    "Collections": ["Collections", "OrderedCollections", "DequeModule", "HeapModule"],
    "Crypto": ["Crypto"], "_CryptoExtras": ["_CryptoExtras"], "GRDB": ["GRDB"],
    "Mustache": ["Mustache"], "ArgumentParser": ["ArgumentParser"], "Yams": ["Yams"],
    "PropertyBased": ["PropertyBased"], "CustomDump": ["CustomDump"],
  ]

  struct Target {
    let name: String
    let directory: URL
    let dependencies: [String]
  }

  static func targets() throws -> [Target] {
    let dump = try ProcessRunner.run(
      ["swift", "package", "dump-package"], currentDirectory: Repository.root.path)
    try #require(dump.status == 0, "swift package dump-package: \(dump.stderr)")
    let json = try #require(
      try JSONSerialization.jsonObject(with: Data(dump.stdout.utf8)) as? [String: Any])
    let entries = json["targets"] as? [[String: Any]] ?? []
    return entries.compactMap { entry in
      guard let name = entry["name"] as? String, let type = entry["type"] as? String,
        ["regular", "executable", "test"].contains(type)
      else { return nil }
      let folder = type == "test" ? "Tests" : "Sources"
      let path = entry["path"] as? String ?? "\(folder)/\(name)"
      let dependencies = (entry["dependencies"] as? [[String: Any]] ?? []).compactMap {
        dependency -> String? in
        for kind in ["byName", "target", "product"] {
          if let values = dependency[kind] as? [Any], let first = values.first as? String {
            return first
          }
        }
        return nil
      }
      return Target(
        name: name, directory: Repository.root.appendingPathComponent(path),
        dependencies: dependencies)
    }
  }

  /// The modules `directory`'s Swift files import (symbolic links are not followed).
  static func imports(in directory: URL) -> [String: [String]] {
    var found: [String: [String]] = [:]
    let enumerator = FileManager.default.enumerator(
      at: directory, includingPropertiesForKeys: [.isSymbolicLinkKey])
    while let file = enumerator?.nextObject() as? URL {
      if (try? file.resourceValues(forKeys: [.isSymbolicLinkKey]))?.isSymbolicLink == true {
        enumerator?.skipDescendants()
        continue
      }
      guard file.pathExtension == "swift",
        let text = try? String(contentsOf: file, encoding: .utf8)
      else { continue }
      // Imports open a file: stop at its first declaration (later `import` words are in
      // strings, e.g. an embedded Python script).
      for line in text.split(separator: "\n") {
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        if trimmed.isEmpty || trimmed.hasPrefix("//") || trimmed.hasPrefix("#") { continue }
        guard trimmed.contains("import ") else { break }
        if let match = line.wholeMatch(
          of:
            #/\s*(?:@testable\s+|@_exported\s+|(?:public|internal|package)\s+)?import\s+(?:(?:struct|class|enum|func|protocol|typealias|var|let)\s+)?([A-Za-z_][A-Za-z0-9_]*).*/#
        ) {
          found[String(match.1), default: []].append(file.lastPathComponent)
        }
      }
    }
    return found
  }

  @Test func everyTargetImportsWhatItDeclaresAndDeclaresWhatItImports() throws {
    let targets = try Self.targets()
    #expect(targets.count > 20)
    let local = Set(targets.map(\.name)).union(["CLibSSH2", "CCurl", "COpenSSL"])
    for target in targets {
      let imported = Self.imports(in: target.directory)
      var provided: [String: String] = [:]  // module → the dependency that provides it
      for dependency in target.dependencies {
        for module in Self.productModules[dependency] ?? [dependency] {
          provided[module] = dependency
        }
      }
      for (module, files) in imported
      where !Self.system.contains(module) && module != target.name {
        #expect(
          provided[module] != nil,
          "\(target.name) imports \(module) (\(files.first ?? "")) but Package.swift does not declare it"
        )
        if provided[module] == nil, !local.contains(module), Self.productModules[module] == nil {
          Issue.record("\(target.name): \(module) is neither a target nor a known product")
        }
      }
      for dependency in target.dependencies {
        let modules = Self.productModules[dependency] ?? [dependency]
        #expect(
          modules.contains { imported[$0] != nil },
          "\(target.name) declares \(dependency) but no file of it imports it")
      }
    }
  }
}
