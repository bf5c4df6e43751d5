import Basics
import Foundation
import Testing

@testable import ClusterOps

/// Reading `sops_age_key_file`: refused with the variable and the path when it is missing,
/// unreadable or not an age key; masked before anything can print it; a warning when others
/// may read it.
@Suite struct SOPSAgeKeyTests {
  static let key = "AGE-SECRET-KEY-1QQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQ"
  static let file = "# created: 2026-01-01T00:00:00Z\n# public key: age1qqqq\n\(key)\n"

  static func write(_ text: String, mode: Int) throws -> String {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
      "cm-sops-\(UUID().uuidString.prefix(8))")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    let path = directory.appendingPathComponent("keys.txt").path
    #expect(
      FileManager.default.createFile(
        atPath: path, contents: Data(text.utf8), attributes: [.posixPermissions: mode]))
    return path
  }

  @Test func aKeyFileIsReadAndMaskedBeforeAnythingPrintsIt() throws {
    let path = try Self.write(Self.file, mode: 0o600)
    let redactor = SecretRedactor()
    let (text, warning) = try SOPSAgeKey.load(path: path, redactor: redactor)
    #expect(text == Self.file)
    #expect(warning == nil)
    #expect(!redactor.redact("key: \(Self.key)").contains(Self.key))
    let encoded = Data(Self.file.utf8).base64EncodedString()
    #expect(!redactor.redact("data: \(encoded)").contains(encoded))
  }

  @Test func aTildeIsTheHomeDirectory() throws {
    let name = "cm-sops-\(UUID().uuidString.prefix(8)).txt"
    let home = NSHomeDirectory()
    let path = (home as NSString).appendingPathComponent(name)
    #expect(
      FileManager.default.createFile(
        atPath: path, contents: Data(Self.file.utf8), attributes: [.posixPermissions: 0o600]))
    defer { try? FileManager.default.removeItem(atPath: path) }
    #expect(try SOPSAgeKey.load(path: "~/\(name)", redactor: SecretRedactor()).key == Self.file)
  }

  @Test func aFileOthersMayReadIsWarnedAbout() throws {
    let path = try Self.write(Self.file, mode: 0o644)
    let (_, warning) = try SOPSAgeKey.load(path: path, redactor: SecretRedactor())
    let text = try #require(warning)
    #expect(text.contains("sops_age_key_file \(path)") && text.contains("mode 644"), "\(text)")
    #expect(text.contains("chmod 600"))
  }

  @Test func aMissingFileOrOneWithoutAKeyIsRefusedByName() throws {
    let missing = "/nonexistent/cm-sops/keys.txt"
    let error = #expect(throws: OperationError.self) {
      _ = try SOPSAgeKey.load(path: missing, redactor: SecretRedactor())
    }
    #expect(error?.message == "sops_age_key_file \(missing) does not exist")
    #expect(error?.exitStatus == ExitStatus.invalidInput)

    let publicOnly = try Self.write("age1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq\n", mode: 0o600)
    let notAKey = #expect(throws: OperationError.self) {
      _ = try SOPSAgeKey.load(path: publicOnly, redactor: SecretRedactor())
    }
    #expect(
      notAKey?.message
        == "sops_age_key_file \(publicOnly) is not an age key file: it has no line starting AGE-SECRET-KEY-1"
    )

    let directory = (publicOnly as NSString).deletingLastPathComponent
    #expect(throws: OperationError.self) {
      _ = try SOPSAgeKey.load(path: directory, redactor: SecretRedactor())
    }
  }

  @Test func anUnreadableFileIsRefusedByName() throws {
    guard getuid() != 0 else { return }  // root reads any file
    let path = try Self.write(Self.file, mode: 0o000)
    let error = #expect(throws: OperationError.self) {
      _ = try SOPSAgeKey.load(path: path, redactor: SecretRedactor())
    }
    #expect(error?.message == "sops_age_key_file \(path) cannot be read")
  }
}
