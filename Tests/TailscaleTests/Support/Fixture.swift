import Foundation

/// The synthetic LocalAPI replies under Fixtures/ (see Fixtures/README.md).
enum Fixture: String, CaseIterable {
  case homelab = "status-homelab.json"
  case homelabWithoutPeers = "status-homelab-peers-false.json"
  case stopped = "status-stopped.json"
  case needsLogin = "status-needslogin.json"

  /// The file's location in the test bundle.
  var url: URL {
    Bundle.module.resourceURL!.appendingPathComponent("Fixtures").appendingPathComponent(rawValue)
  }

  /// The file's bytes.
  var data: Data {
    get throws { try Data(contentsOf: url) }
  }

  /// The instant the fixtures were captured at (Fixtures/README.md).
  static let capturedAt = Date(timeIntervalSince1970: 1_787_322_600)  // 2026-08-21T14:30:00Z
}
