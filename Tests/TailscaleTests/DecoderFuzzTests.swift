import Foundation
import PropertyBased
import Testing

@testable import Tailscale

/// Random damage to the fixtures never crashes the decoder: it decodes, or it throws
/// ``TailscaleError/unexpectedReply(detail:)``.
struct DecoderFuzzTests {
  /// One byte-level edit: replace, insert, delete, or truncate at a position.
  struct Mutation: Sendable, CustomStringConvertible {
    let kind: Int
    let position: Int
    let byte: UInt8

    func apply(to bytes: inout [UInt8]) {
      guard !bytes.isEmpty else { return }
      let index = position % bytes.count
      switch kind {
      case 0: bytes[index] = byte
      case 1: bytes.insert(byte, at: index)
      case 2: bytes.remove(at: index)
      default: bytes.removeSubrange(index...)
      }
    }

    var description: String { "\(["set", "insert", "delete", "cut"][kind]) @\(position) \(byte)" }
  }

  static let mutations = zip(Gen.int(in: 0...3), Gen.int(in: 0...1_000_000), Gen<UInt8>.value())
    .map { Mutation(kind: $0, position: $1, byte: $2) }
    .array(of: 1...12)

  /// JSON's structural characters, which make mutations land on interesting spots more often.
  static let structural = Array("{}[]\":,0-.ntfe\\ ".utf8)

  @Test func byteMutationsOfFixturesNeverCrash() async {
    var outcomes = (decoded: 0, rejected: 0)
    await propertyCheck(
      count: 400, input: Gen.int(in: 0...(Fixture.allCases.count - 1)), Self.mutations
    ) { index, mutations in
      var bytes = [UInt8](try Fixture.allCases[index].data)
      for mutation in mutations { mutation.apply(to: &bytes) }
      if Self.decodeOrReject(Data(bytes)) { outcomes.decoded += 1 } else { outcomes.rejected += 1 }
    }
    // Both paths ran: some damage is harmless (inside strings), most is not.
    #expect(outcomes.decoded > 0 && outcomes.rejected > 0, "\(outcomes)")
  }

  @Test func structuralMutationsOfFixturesNeverCrash() async {
    let gen = zip(Gen.int(in: 0...2), Gen.int(in: 0...1_000_000), Gen.int(in: 0...15))
      .map { Mutation(kind: $0, position: $1, byte: Self.structural[$2]) }
      .array(of: 1...6)
    await propertyCheck(count: 400, input: Gen.int(in: 0...(Fixture.allCases.count - 1)), gen) {
      index, mutations in
      var bytes = [UInt8](try Fixture.allCases[index].data)
      for mutation in mutations { mutation.apply(to: &bytes) }
      _ = Self.decodeOrReject(Data(bytes))
    }
  }

  /// Deleting any key, or setting any value to `null`, below the top level still decodes:
  /// absence and `null` both mean "no value".
  @Test func removingOrNullingAnyFieldStillDecodes() async throws {
    await propertyCheck(
      count: 300, input: Gen.int(in: 0...(Fixture.allCases.count - 1)),
      Gen.int(in: 0...100_000), Gen.bool()
    ) { index, pick, delete in
      var json = try JSONSerialization.jsonObject(with: try Fixture.allCases[index].data)
      var paths: [[String]] = []
      Self.collectPaths(json, prefix: [], into: &paths)
      let path = paths[pick % paths.count]
      json = Self.edit(json, at: path[...], delete: delete)
      let data = try JSONSerialization.data(withJSONObject: json)
      #expect(throws: Never.self, "\(delete ? "deleting" : "nulling") \(path)") {
        _ = try TailscaleStatus.decode(data)
      }
    }
  }

  /// Decodes `data` and uses the result (true), or checks the error is a readable
  /// `unexpectedReply` (false).
  static func decodeOrReject(_ data: Data) -> Bool {
    do {
      let status = try TailscaleStatus.decode(data)
      // Whatever decoded must also be safe to use.
      _ = try? status.requireCurrentPeers()
      _ = status.visiblePeers.map { ($0.ipv4, $0.dnsLabel, $0.magicDNSName) }
      _ = status.sshHostKeysByAddress
      _ = try? status.peer(named: "k8s-cp-01")
      return true
    } catch {
      guard case .unexpectedReply(let detail) = error else {
        Issue.record("unexpected error \(error)")
        return false
      }
      #expect(!detail.isEmpty)
      #expect(!error.message.isEmpty)
      return false
    }
  }

  static func collectPaths(_ value: Any, prefix: [String], into paths: inout [[String]]) {
    guard let object = value as? [String: Any] else { return }
    for (key, child) in object {
      paths.append(prefix + [key])
      collectPaths(child, prefix: prefix + [key], into: &paths)
    }
  }

  static func edit(_ value: Any, at path: ArraySlice<String>, delete: Bool) -> Any {
    guard var object = value as? [String: Any], let key = path.first else { return value }
    if path.count == 1 {
      if delete { object[key] = nil } else { object[key] = NSNull() }
    } else if let child = object[key] {
      object[key] = edit(child, at: path.dropFirst(), delete: delete)
    }
    return object
  }
}
