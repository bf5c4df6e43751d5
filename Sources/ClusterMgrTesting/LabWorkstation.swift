import Foundation

/// One request the lab's release mirror answered (a line of its log).
public struct MirrorRequest: Sendable, Decodable {
  /// When it was answered (Unix time).
  public let time: Double
  /// The client's address (the lab host's 100.x address).
  public let client: String
  /// The `Host` header: `github.com`, `objects.githubusercontent.com`,
  /// `releases.lab-tailnet.ts.net`, or the gateway's address.
  public let host: String?
  /// `GET` or `HEAD`.
  public let method: String
  /// The path as sent, query included (the version `+` raw or as `%2B`).
  public let path: String
  /// The status sent: 200, 302 (github.com's redirect), 404.
  public let status: Int?
  /// The body bytes sent.
  public let bytes: Int
  /// The release asset named (artifacts-relative, `k3s/<version>/k3s`), or nil.
  public let file: String?
  /// Whether the bytes sent came from a tampered copy (`scripts/lab mirror tamper`).
  public let tampered: Bool
}

/// The result of `scripts/lab mirror tamper`.
public struct MirrorTampering: Sendable, Decodable {
  /// The asset, artifacts-relative (`k3s/<version>/k3s`).
  public let file: String
  /// Its release path (`/k3s-io/k3s/releases/download/v1.36.4%2Bk3s1/k3s`).
  public let path: String
  /// The sha256 the mirror now serves.
  public let sha256: String
  /// The release's own sha256 (what the sha256sum file lists).
  public let originalSHA256: String

  enum CodingKeys: String, CodingKey {
    case file, path, sha256
    case originalSHA256 = "original_sha256"
  }
}

extension LabInstance {
  /// Runs `command` in `user`'s login shell on `host` (`scripts/lab exec --user`: runuser -l,
  /// so HOME, SHELL and PATH are the user's and nothing of the test's environment is passed).
  @discardableResult
  public func exec(_ host: String, as user: String, _ command: String) throws -> ProcessResult {
    try ProcessRunner.run([
      Repository.labScript, "--name", name, "exec", "--user", user, host, "--", command,
    ])
  }

  /// Copies the local file `source` to `path` on `host` (`scripts/lab cp`): owned by `owner`
  /// (`USER` or `USER:GROUP`; default root), with `mode` (octal; default the source's).
  public func copy(
    _ source: String, to host: String, at path: String, owner: String? = nil, mode: String? = nil
  ) throws {
    var arguments = ["cp", source, "\(host):\(path)"]
    if let owner { arguments += ["--owner", owner] }
    if let mode { arguments += ["--mode", mode] }
    try Self.lab(name, arguments)
  }

  /// Makes the release mirror serve a modified copy of a release asset (`scripts/lab mirror
  /// tamper`): `path` is `k3s/<version>/<asset>`, `flux/<version>/install.yaml` or a release
  /// URL/path. `appending` adds bytes; otherwise one byte is flipped (same size). The sha256sum
  /// files stay as they are.
  @discardableResult
  public func tamperMirror(_ path: String, appending: Bool = false) throws -> MirrorTampering {
    let result = try Self.lab(
      name, ["mirror", "tamper", path, "--how", appending ? "append" : "flip"])
    return try JSONDecoder().decode(MirrorTampering.self, from: Data(result.stdout.utf8))
  }

  /// Serves the real asset again (`scripts/lab mirror restore`); every tampered one without `path`.
  public func restoreMirror(_ path: String? = nil) throws {
    try Self.lab(name, ["mirror", "restore"] + (path.map { [$0] } ?? []))
  }

  /// The requests the release mirror has answered so far, oldest first.
  public func mirrorRequests() throws -> [MirrorRequest] {
    guard FileManager.default.fileExists(atPath: mirrorLogPath) else { return [] }
    let text = try String(contentsOfFile: mirrorLogPath, encoding: .utf8)
    return try text.split(separator: "\n").map {
      try JSONDecoder().decode(MirrorRequest.self, from: Data($0.utf8))
    }
  }
}
