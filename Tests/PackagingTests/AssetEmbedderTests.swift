import ClusterMgrTesting
import Foundation
import Testing

/// AssetEmbedder, the tool behind the EmbedPackageAssets plugin: any UTF-8 text survives the
/// trip through Swift source, and a file that is not UTF-8 stops the build with its name.
@Suite struct AssetEmbedderTests {
  static let tool = Repository.builtProduct("AssetEmbedder")

  /// A package-like folder with `VERSION` and `roles/` holding `files`.
  static func package(version: String, files: [String: Data]) throws -> URL {
    let root = try Commands.temporaryDirectory("embed")
    try Data(version.utf8).write(to: root.appendingPathComponent("VERSION"))
    for (path, bytes) in files {
      let url = root.appendingPathComponent("roles/" + path)
      try FileManager.default.createDirectory(
        at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
      try bytes.write(to: url)
    }
    return root
  }

  /// Runs the tool over `root` the way the plugin does; returns the result and the output file.
  static func embed(_ root: URL, _ paths: [String]) throws -> (ProcessResult, URL) {
    let output = root.appendingPathComponent("GeneratedAssets.swift")
    let result = try ProcessRunner.run(
      [
        tool, output.path, root.appendingPathComponent("VERSION").path,
        root.appendingPathComponent("roles").path,
      ] + paths)
    return (result, output)
  }

  @Test func anyTextSurvivesTheTripThroughSwiftSource() throws {
    let texts = [
      "quotes/raw.txt": "\"\"\" #\"\"\"# ##\" \\(interpolation) \\n \\u{41} \\\\ \\",
      "endings/crlf.txt": "line one\r\nline two\r\n\rlone CR\n",
      "endings/no-final-newline.txt": "    indented\n\tand tabbed",
      "unicode/mixed.txt": "é e\u{301} 🇩🇪 \u{0} \u{7f} \u{202e}reversed \u{feff}bom\u{2028}",
      "empty.txt": "",
    ]
    let root = try Self.package(
      version: "1.2.3~rc1\n", files: texts.mapValues { Data($0.utf8) })
    defer { try? FileManager.default.removeItem(at: root) }
    let (result, generated) = try Self.embed(root, texts.keys.sorted())
    try #require(result.status == 0, "\(result.stderr)")

    // Compile the generated source with a main that prints every file's bytes.
    let main = root.appendingPathComponent("main.swift")
    try """
    print("version", GeneratedAssets.version)
    for (path, text) in GeneratedAssets.roleFiles.sorted(by: { $0.key < $1.key }) {
      print(path, Array(text.utf8))
    }
    """.write(to: main, atomically: true, encoding: .utf8)
    let program = root.appendingPathComponent("dump").path
    let compiled = try ProcessRunner.run(
      ["swiftc", "-o", program, generated.path, main.path], currentDirectory: root.path)
    try #require(compiled.status == 0, "\(compiled.stderr)")
    let expected =
      ["version 1.2.3~rc1"]
      + texts.keys.sorted().map { "\($0) \(Array(texts[$0]!.utf8))" }
    #expect(try ProcessRunner.run([program]).stdout == expected.joined(separator: "\n") + "\n")
  }

  @Test func aFileThatIsNotUTF8StopsTheBuildWithItsName() throws {
    let root = try Self.package(
      version: "0.2.0\n",
      files: [
        "k3s/files/ok.sh": Data("echo ok\n".utf8), "k3s/files/blob.bin": Data([0x61, 0xff, 0x00]),
      ])
    defer { try? FileManager.default.removeItem(at: root) }
    let (result, generated) = try Self.embed(root, ["k3s/files/blob.bin", "k3s/files/ok.sh"])
    #expect(result.status == 1)
    #expect(
      result.stderr.contains(
        "roles/k3s/files/blob.bin: error: is not UTF-8 text (byte 0xff at offset 1)"))
    #expect(result.stderr.contains("fix:"))
    #expect(!FileManager.default.fileExists(atPath: generated.path))
  }

  @Test(arguments: ["", "v0.2.0\n", "0.2.0 beta\n", "0.2.0\n0.3.0\n"])
  func aVersionFileWithoutOneVersionStopsTheBuild(_ version: String) throws {
    let root = try Self.package(version: version, files: [:])
    defer { try? FileManager.default.removeItem(at: root) }
    let (result, _) = try Self.embed(root, [])
    #expect(result.status == 1)
    #expect(result.stderr.hasPrefix("VERSION: error: holds"))
  }
}
