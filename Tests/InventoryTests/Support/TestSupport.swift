import ClusterMgrTesting
import Foundation
import Testing

/// Fixture files shipped with the tests, and the example inventories of the repository.
enum Fixtures {
  /// `Tests/InventoryTests/Fixtures` as copied into the test bundle.
  static var root: URL {
    Bundle.module.url(forResource: "Fixtures", withExtension: nil)!
  }

  /// A path below the fixtures root.
  static func path(_ relative: String) -> String {
    root.appendingPathComponent(relative).path
  }

  /// The commented example inventories in `inventory/`.
  static let examples = ["minimal", "gpu-workstation", "ha", "mixed"]

  /// The path of an example inventory.
  static func example(_ name: String) -> String {
    Repository.root.appendingPathComponent("inventory/\(name).yml").path
  }
}

/// Runs the built `cluster-mgr` binary.
enum CLI {
  static func run(
    _ arguments: [String], environment: [String: String] = [:], input: String? = nil,
    currentDirectory: String? = nil
  ) throws -> ProcessResult {
    let binary = Repository.clusterMgrBinary
    try #require(
      FileManager.default.isExecutableFile(atPath: binary),
      "the cluster-mgr binary is missing at \(binary); build it with `swift build --build-tests`")
    return try ProcessRunner.run(
      [binary] + arguments, environment: environment, input: input,
      currentDirectory: currentDirectory)
  }

  /// Starts the binary without waiting (for the crash and concurrency tests).
  static func start(_ arguments: [String], environment: [String: String]) throws -> Process {
    let binary = Repository.clusterMgrBinary
    try #require(FileManager.default.isExecutableFile(atPath: binary), "missing \(binary)")
    let process = Process()
    process.executableURL = URL(fileURLWithPath: binary)
    process.arguments = arguments
    process.environment = TestEnvironment.child(adding: environment)
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    try process.run()
    return process
  }
}

/// The `ansible-inventory` that scripts/setup installs into `.venv` (the test oracle).
enum Ansible {
  /// The environment every oracle run gets (no colours, scratch directories, UTF-8).
  static let environment = [
    "LC_ALL": "C.UTF-8", "LANG": "C.UTF-8", "ANSIBLE_NOCOLOR": "1",
    "ANSIBLE_LOCAL_TEMP": NSTemporaryDirectory() + "ansible-local",
    "ANSIBLE_HOME": NSTemporaryDirectory() + "ansible-home",
  ]

  static func inventory(_ arguments: [String]) throws -> ProcessResult {
    try tool("ansible-inventory", arguments)
  }

  /// Runs a program of the oracle's venv (`ansible-inventory`, `ansible-vault`, ...).
  static func tool(_ name: String, _ arguments: [String], input: String? = nil) throws
    -> ProcessResult
  {
    let tool = Repository.venvTool(name)
    try #require(
      FileManager.default.isExecutableFile(atPath: tool),
      "\(name) is missing at \(tool): run scripts/setup (it installs ansible-core into .venv)")
    return try ProcessRunner.run(
      [tool] + arguments, environment: environment, input: input,
      currentDirectory: NSTemporaryDirectory())
  }

  /// The versions of ansible-core and PyYAML in `.venv`: together they decide what the oracle says.
  static func versions() throws -> (ansibleCore: String, pyYAML: String) {
    let python = Repository.venvTool("python")
    let result = try ProcessRunner.run([
      python, "-c",
      "import ansible.release, yaml; print(ansible.release.__version__, yaml.__version__)",
    ])
    try #require(result.status == 0, "cannot ask \(python) for versions: \(result.stderr)")
    let words = result.stdout.split(separator: " ").map {
      $0.trimmingCharacters(in: .whitespacesAndNewlines)
    }
    try #require(words.count == 2, "unexpected version output: \(result.stdout)")
    return (words[0], words[1])
  }

  /// The version of `package` in scripts/setup.d/python-tools.lock (what scripts/setup installs).
  static func pinnedVersion(_ package: String) throws -> String? {
    let lock = try String(
      contentsOf: Repository.root.appendingPathComponent("scripts/setup.d/python-tools.lock"),
      encoding: .utf8)
    for line in lock.split(separator: "\n") where line.hasPrefix("\(package)==") {
      return line.dropFirst(package.count + 2).split(separator: " ").first.map(String.init)
    }
    return nil
  }
}

/// A scratch directory, deleted by ``remove()``.
struct ScratchDirectory {
  let url: URL

  init() throws {
    url = FileManager.default.temporaryDirectory.appendingPathComponent(
      "inventory-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
  }

  var path: String { url.path }

  func file(_ name: String) -> String { url.appendingPathComponent(name).path }

  /// Writes `text` to `name` and returns its path.
  @discardableResult
  func write(_ name: String, _ text: String) throws -> String {
    let path = file(name)
    try FileManager.default.createDirectory(
      atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
    try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    return path
  }

  func read(_ name: String) throws -> String {
    String(decoding: try Data(contentsOf: url.appendingPathComponent(name)), as: UTF8.self)
  }

  func remove() {
    try? FileManager.default.removeItem(at: url)
  }
}

/// `diff -u` between two texts with fixed labels (the golden files hold this output).
func unifiedDiff(_ old: String, _ new: String) throws -> String {
  let scratch = try ScratchDirectory()
  defer { scratch.remove() }
  let a = try scratch.write("before", old)
  let b = try scratch.write("after", new)
  return try ProcessRunner.run(["diff", "-u", "--label", "before", "--label", "after", a, b]).stdout
}
