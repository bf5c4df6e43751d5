import Basics
import Foundation
import RunHistory
import Testing

@Suite struct MaskingTests {
  static let secret = "K10-s3cret-token"
  let mask = SecretRedactor.mask

  @Test func everyStoredStringPassesThroughTheRedactor() async throws {
    let dir = try TemporaryDirectory()
    let secret = Self.secret
    let redactor = SecretRedactor()
    redactor.register(secret)
    let recorder = makeRecorder(dir.database, redactor: redactor)
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
    #expect(detail.run.commandLine == "cluster-mgr provision --extra-vars token=\(mask)")
    #expect(detail.run.inventoryPath == "/tmp/\(mask)/hosts.yml")
    #expect(detail.run.user == "alice-\(mask)")
    #expect(detail.run.machine == "laptop-\(mask)")
    #expect(detail.run.checkMode)
    let stored = try #require(detail.tasks.first)
    #expect(stored.host == "lab-\(mask)")
    #expect(stored.role == "k3s-\(mask)")
    #expect(stored.task == "token file \(mask)")
    #expect(stored.message == "wrote \(mask)")
    #expect(stored.diff == "-old\n+K3S_TOKEN=\(mask)\n")
  }

  @Test func aSecretLearnedDuringTheRunIsMaskedInLaterResults() async throws {
    let dir = try TemporaryDirectory()
    let redactor = SecretRedactor()
    let recorder = makeRecorder(dir.database, redactor: redactor)
    let id = try #require(await recorder.begin(provisionRun()))
    // Like the K3s join token, read from the first server halfway through the run.
    redactor.register(Self.secret)
    recorder.record(task("lab-w1", "join", .changed, diff: "+K3S_TOKEN=\(Self.secret)\n"))
    await recorder.finish(.succeeded)
    let detail = try #require(try await HistoryStore(database: dir.database).run(id))
    #expect(detail.tasks.first?.diff == "+K3S_TOKEN=\(mask)\n")
  }

  @Test func theSecretIsNowhereInTheDatabaseFiles() async throws {
    let dir = try TemporaryDirectory()
    let secret = Self.secret
    let redactor = SecretRedactor()
    redactor.register(secret)
    let recorder = makeRecorder(dir.database, redactor: redactor)
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
    #expect(everything.range(of: Data("+\(mask)".utf8)) != nil)
  }
}
