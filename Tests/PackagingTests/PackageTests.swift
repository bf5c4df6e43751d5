import ClusterMgrTesting
import Foundation
import Testing

/// The release packages `scripts/package` builds, and `scripts/install`: what they hold, what
/// the packaged binary needs, and that it runs on its own with the roles compiled into it.
@Suite(.serialized) struct PackageTests {
  /// The .deb unpacked into a new directory.
  static func unpackedDeb(_ package: ReleasePackage) throws -> URL {
    let directory = try Commands.temporaryDirectory("deb")
    try Commands.output(["dpkg-deb", "-x", package.deb.path, directory.path])
    return directory
  }

  @Test func theDebHoldsTheBinaryCompletionsAndManualAndNoRoles() throws {
    let package = try ReleasePackage.build()
    let listing = try Commands.output(["dpkg-deb", "-c", package.deb.path])
    let entries = listing.split(separator: "\n").map {
      $0.split(separator: " ", maxSplits: 5, omittingEmptySubsequences: true).map(String.init)
    }
    let files = entries.filter { $0[0].hasPrefix("-") }
    #expect(files.map { String($0[5].trimmingPrefix("./")) }.sorted() == PackagedFiles.all)
    #expect(!listing.contains("roles"))
    #expect(entries.allSatisfy { $0[1] == "root/root" })
    let binary = try #require(files.first { $0[5] == "./usr/bin/cluster-mgr" })
    #expect(binary[0] == "-rwxr-xr-x")
  }

  @Test func controlFieldsCarryTheVersionAndTheRuntimeLibraries() throws {
    let package = try ReleasePackage.build()
    func field(_ name: String) throws -> String {
      try Commands.output(["dpkg-deb", "-f", package.deb.path, name])
        .trimmingCharacters(in: .whitespacesAndNewlines)
    }
    #expect(try field("Package") == "cluster-mgr")
    #expect(try field("Version") == package.version)
    let architecture = try Commands.output(["dpkg", "--print-architecture"])
    #expect(
      try field("Architecture") == architecture.trimmingCharacters(in: .whitespacesAndNewlines))
    let depends = try field("Depends")
    let names = Set(
      depends.split(separator: ",").compactMap {
        $0.split(separator: " ", omittingEmptySubsequences: true).first.map(String.init)
      })
    #expect(names.isSuperset(of: ["libc6", "libssh2-1", "libcurl4", "libsqlite3-0"]), "\(depends)")
    #expect(!depends.contains("swift"))
    for name in ["Maintainer", "Section", "Priority", "Description"] {
      #expect(try !field(name).isEmpty, "\(name) is empty")
    }
    #expect(
      package.deb.lastPathComponent
        == "cluster-mgr_\(package.version)_\(try field("Architecture")).deb")
  }

  @Test func thePackagedBinaryLinksNoSwiftRuntimeAndIsStripped() throws {
    let package = try ReleasePackage.build()
    let root = try Self.unpackedDeb(package)
    defer { try? FileManager.default.removeItem(at: root) }
    let binary = root.appendingPathComponent("usr/bin/cluster-mgr").path
    let libraries = try Commands.output(["ldd", binary])
    for runtime in ["libswift", "Foundation", "libdispatch", "BlocksRuntime", "not found"] {
      #expect(!libraries.contains(runtime), "ldd names \(runtime):\n\(libraries)")
    }
    #expect(libraries.contains("libssh2.so"))
    #expect(try !Commands.output(["readelf", "-S", binary]).contains(".symtab"))
  }

  @Test func thePackagedBinaryRunsAloneWithTheRolesBuiltIn() throws {
    let package = try ReleasePackage.build()
    let root = try Self.unpackedDeb(package)
    let bin = try Commands.temporaryDirectory("bin")
    let work = try Commands.temporaryDirectory("work")
    let home = try Commands.temporaryDirectory("home")
    defer { for dir in [root, bin, work, home] { try? FileManager.default.removeItem(at: dir) } }
    let binary = bin.appendingPathComponent("cluster-mgr")
    try FileManager.default.copyItem(
      at: root.appendingPathComponent("usr/bin/cluster-mgr"), to: binary)
    try PackagedFiles.inventory.write(
      to: work.appendingPathComponent("hosts.yml"), atomically: true, encoding: .utf8)
    // No CLUSTER_MGR_ROLES_DIR (the test environment drops every CLUSTER_MGR_ variable).
    let environment = [
      "HOME": home.path,
      "CLUSTER_MGR_TAILSCALE_SOCKET": work.appendingPathComponent("no-tailscaled.sock").path,
    ]
    func run(_ arguments: [String], extra: [String: String] = [:]) throws -> String {
      try Commands.output(
        [binary.path] + arguments, environment: environment.merging(extra) { $1 }, in: work.path)
    }

    #expect(try run(["--version"]) == package.version + "\n")
    #expect(try run(["version"]).hasPrefix("cluster-mgr \(package.version)\n"))
    let listing = try run(["provision", "-i", "hosts.yml", "--list-tasks"])
    let tasks = Set(listing.split(separator: "\n").map(Self.taskName))
    for task in PackagedFiles.renderedTasks {
      #expect(tasks.contains(task), "`provision --list-tasks` lacks \(task):\n\(listing)")
    }
    // The same listing from a roles directory without those files leaves those tasks out.
    let emptyRoles = try Commands.temporaryDirectory("roles")
    defer { try? FileManager.default.removeItem(at: emptyRoles) }
    let withoutRoles = try run(
      ["provision", "-i", "hosts.yml", "--list-tasks"],
      extra: ["CLUSTER_MGR_ROLES_DIR": emptyRoles.path])
    #expect(
      Set(withoutRoles.split(separator: "\n").map(Self.taskName)).isDisjoint(
        with: PackagedFiles.renderedTasks))
  }

  /// `    k3s unit  [k3s, k3s_server]` → `k3s unit`.
  static func taskName(_ line: Substring) -> String {
    let name = line.trimmingCharacters(in: .whitespaces)
    guard let tags = name.range(of: "  [") else { return name }
    return String(name[..<tags.lowerBound])
  }

  @Test func theTarballHoldsTheSameFilesAsTheDeb() throws {
    let package = try ReleasePackage.build()
    let listing = try Commands.output(["tar", "-tzf", package.tarball.path])
    #expect(listing.split(separator: "\n").map(String.init).sorted() == PackagedFiles.all)
    let fromDeb = try Self.unpackedDeb(package)
    let fromTarball = try Commands.temporaryDirectory("tar")
    defer { for dir in [fromDeb, fromTarball] { try? FileManager.default.removeItem(at: dir) } }
    try Commands.output(["tar", "-xzf", package.tarball.path, "-C", fromTarball.path])
    for file in PackagedFiles.all {
      let deb = try Data(contentsOf: fromDeb.appendingPathComponent(file))
      #expect(
        try Data(contentsOf: fromTarball.appendingPathComponent(file)) == deb, "\(file) differs")
    }
    let verbose = try Commands.output(["tar", "-tvzf", package.tarball.path])
    #expect(verbose.contains("-rwxr-xr-x 0/0"))
  }

  @Test func installThenUninstallLeavesNothing() throws {
    let package = try ReleasePackage.build()
    let script = Repository.root.appendingPathComponent("scripts/install").path
    let prefix = try Commands.temporaryDirectory("prefix")
    defer { try? FileManager.default.removeItem(at: prefix) }
    try Commands.output([script, "--prefix", prefix.path])
    #expect(Commands.files(under: prefix) == PackagedFiles.installed)
    let installed = prefix.appendingPathComponent("bin/cluster-mgr").path
    #expect(try Commands.output([installed, "--version"]) == package.version + "\n")
    try Commands.output([script, "--prefix", prefix.path, "--uninstall"])
    #expect(Commands.files(under: prefix).isEmpty)

    let destination = try Commands.temporaryDirectory("destdir")
    defer { try? FileManager.default.removeItem(at: destination) }
    try Commands.output([script, "--destdir", destination.path, "--prefix", "/opt/cm"])
    #expect(Commands.files(under: destination) == PackagedFiles.installed.map { "opt/cm/" + $0 })
    try Commands.output([
      script, "--destdir", destination.path, "--prefix", "/opt/cm", "--uninstall",
    ])
    #expect(Commands.files(under: destination).isEmpty)
  }
}
