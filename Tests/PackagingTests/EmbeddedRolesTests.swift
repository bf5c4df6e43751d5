import ClusterMgrTesting
import Engine
import Foundation
import PackageAssets
import Testing

/// The roles and version compiled into the binary are the checkout's roles/ and VERSION.
@Suite struct EmbeddedRolesTests {
  static let rolesDirectory = Repository.root.appendingPathComponent("roles")

  /// Every file under roles/ (names starting with "." left out, as the plugin does), with its
  /// bytes.
  static func checkoutRoleFiles() throws -> [String: Data] {
    let root = rolesDirectory.path
    let enumerator = try #require(FileManager.default.enumerator(atPath: root))
    var files: [String: Data] = [:]
    while let path = enumerator.nextObject() as? String {
      var isDirectory: ObjCBool = false
      _ = FileManager.default.fileExists(atPath: root + "/" + path, isDirectory: &isDirectory)
      if path.split(separator: "/").last?.hasPrefix(".") == true {
        if isDirectory.boolValue { enumerator.skipDescendants() }
        continue
      }
      if !isDirectory.boolValue {
        files[path] = try Data(contentsOf: URL(fileURLWithPath: root + "/" + path))
      }
    }
    return files
  }

  @Test func everyFileUnderRolesIsEmbeddedByteForByte() throws {
    let checkout = try Self.checkoutRoleFiles()
    let embedded = PackageAssets.roleFiles
    #expect(checkout.count >= 10)
    #expect(Set(embedded.keys) == Set(checkout.keys))
    for (path, bytes) in checkout {
      #expect(embedded[path].map { Data($0.utf8) } == bytes, "roles/\(path) differs")
    }
  }

  /// The shell scripts cluster-mgr ships or runs from roles/ (the uninstall script, the day-2
  /// scripts) pass shellcheck as POSIX sh, with no exclusions: what a script does on purpose
  /// is said in a directive next to it.
  @Test func everyShellScriptUnderRolesPassesShellcheck() throws {
    let scripts = try Self.checkoutRoleFiles().keys.filter { $0.hasSuffix(".sh") }.sorted()
    #expect(scripts.contains("day2/scripts/etcd-snapshot.sh"))
    #expect(scripts.count >= 5)
    let result = try ProcessRunner.run(
      ["shellcheck", "--shell=sh", "--format=gcc"]
        + scripts.map { Self.rolesDirectory.appendingPathComponent($0).path })
    #expect(result.status == 0, "shellcheck:\n\(result.stdout.prefix(4000))")
  }

  @Test func versionIsTheVersionFile() throws {
    let file = Repository.root.appendingPathComponent("VERSION")
    let text = try String(contentsOf: file, encoding: .utf8)
    #expect(PackageAssets.version == text.trimmingCharacters(in: .whitespacesAndNewlines))
    #expect(!PackageAssets.version.isEmpty)
  }

  @Test func bothBackingsReadAndRenderTheSame() throws {
    let checkout = RoleFiles(root: Self.rolesDirectory)
    for path in PackageAssets.roleFiles.keys {
      let (role, file) = try Self.split(path)
      #expect(try RoleFiles.embedded.text(role, file) == checkout.text(role, file))
    }
    let values: [String: any Sendable] = ["role": "server", "node": "cp1", "command": "server"]
    let rendered = try RoleFiles.embedded.render("k3s", template: "k3s.service", values)
    #expect(try rendered == checkout.render("k3s", template: "k3s.service", values))
    #expect(rendered.contains("k3s server"))
  }

  @Test func locateUsesTheEmbeddedRolesUnlessTheVariableIsSet() throws {
    let path = "k3s/files/cluster-mgr-k3s-uninstall.sh"
    let embedded = try #require(PackageAssets.roleFiles[path])
    #expect(
      try RoleFiles.locate(environment: [:]).text("k3s", "files/cluster-mgr-k3s-uninstall.sh")
        == embedded)
    #expect(
      try RoleFiles.locate(environment: ["CLUSTER_MGR_ROLES_DIR": ""]).text(
        "k3s", "files/cluster-mgr-k3s-uninstall.sh") == embedded)

    let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
      "cm-roles-\(UUID().uuidString.prefix(8))")
    defer { try? FileManager.default.removeItem(at: directory) }
    try FileManager.default.createDirectory(
      at: directory.appendingPathComponent("k3s/files"), withIntermediateDirectories: true)
    try "#!/bin/sh\necho edited\n".write(
      to: directory.appendingPathComponent(path), atomically: true, encoding: .utf8)
    let developer = try RoleFiles.locate(environment: ["CLUSTER_MGR_ROLES_DIR": directory.path])
    #expect(
      try developer.text("k3s", "files/cluster-mgr-k3s-uninstall.sh") == "#!/bin/sh\necho edited\n")
  }

  @Test func aRolesDirectoryThatIsNotThereIsAnErrorWithARemedy() throws {
    let error = #expect(throws: RoleFilesError.self) {
      try RoleFiles.locate(environment: ["CLUSTER_MGR_ROLES_DIR": "/nonexistent/roles"])
    }
    #expect(error?.message.contains("/nonexistent/roles") == true)
    #expect(error?.remedy?.contains("unset it") == true)
  }

  @Test func aFileThatIsNotEmbeddedIsAnErrorWithARemedy() throws {
    let error = #expect(throws: RoleFilesError.self) {
      try RoleFiles.embedded.text("k3s", "templates/missing.mustache")
    }
    #expect(error?.message.contains("roles/k3s/templates/missing.mustache") == true)
    #expect(error?.remedy != nil)
  }

  /// `role/rest/of/path` as (role, rest/of/path).
  static func split(_ path: String) throws -> (String, String) {
    let slash = try #require(path.firstIndex(of: "/"))
    return (String(path[..<slash]), String(path[path.index(after: slash)...]))
  }
}
