import Foundation
import RunHistory
import Testing

@Suite struct MaskingTests {
  static let secret = "K10-s3cret-token"

  @Test func everyStoredStringPassesThroughTheMasker() async throws {
    let dir = try TemporaryDirectory()
    let secret = Self.secret
    let recorder = makeRecorder(dir.database) { $0.replacingOccurrences(of: secret, with: "***") }
    let metadata = RunMetadata(
      command: "provision", commandLine: "cluster-mgr provision --extra-vars token=\(secret)",
      inventoryPath: "/tmp/\(secret)/hosts.yml", inventorySHA256: "00", checkMode: true,
      user: "alice-\(secret)", machine: "laptop-\(secret)")
    let id = try #require(await recorder.begin(metadata))
    recorder.record(
      TaskRecord(
        host: "lab-\(secret)", role: "k3s-\(secret)", task: "token file \(secret)",
        status: .changed, durationMilliseconds: 5, message: "wrote \(secret)",
        diff: "-old\n+K3S_TOKEN=\(secret)\n"))
    await recorder.finish(.succeeded)

    let detail = try #require(try await HistoryStore(database: dir.database).run(id))
    #expect(detail.run.commandLine == "cluster-mgr provision --extra-vars token=***")
    #expect(detail.run.inventoryPath == "/tmp/***/hosts.yml")
    #expect(detail.run.user == "alice-***")
    #expect(detail.run.machine == "laptop-***")
    #expect(detail.run.checkMode)
    let stored = try #require(detail.tasks.first)
    #expect(stored.host == "lab-***")
    #expect(stored.role == "k3s-***")
    #expect(stored.task == "token file ***")
    #expect(stored.message == "wrote ***")
    #expect(stored.diff == "-old\n+K3S_TOKEN=***\n")
  }

  @Test func theSecretIsNowhereInTheDatabaseFiles() async throws {
    let dir = try TemporaryDirectory()
    let secret = Self.secret
    let recorder = makeRecorder(dir.database) { $0.replacingOccurrences(of: secret, with: "***") }
    #expect(
      await recorder.begin(
        RunMetadata(command: "run", commandLine: "cluster-mgr run 'echo \(secret)'")) != nil)
    for index in 1...50 {
      recorder.record(task("lab-w\(index)", "echo", .changed, diff: "+\(secret)", message: secret))
    }
    await recorder.finish(.succeeded)
    let files = try FileManager.default.contentsOfDirectory(atPath: dir.url.path)
    #expect(files.contains("history.sqlite"))
    var everything = Data()
    for file in files {
      let bytes = try Data(contentsOf: dir.url.appendingPathComponent(file))
      #expect(bytes.range(of: Data(secret.utf8)) == nil, "\(file) holds the secret")
      everything += bytes
    }
    // The results are in there (main file or WAL), masked.
    #expect(everything.range(of: Data("lab-w50".utf8)) != nil)
    #expect(everything.range(of: Data("+***".utf8)) != nil)
  }
}
