import Foundation

/// The text around an Ansible Vault ciphertext: a header line
/// (`$ANSIBLE_VAULT;1.1;AES256`, or `$ANSIBLE_VAULT;1.2;AES256;LABEL` with a vault-id), then the
/// vaulttext in lines of 80 characters.
struct VaultEnvelope: Hashable, Sendable {
  static let marker = "$ANSIBLE_VAULT"

  var version: String
  var cipher: String
  /// The vault-id label of a 1.2 envelope.
  var label: String?
  /// The hex lines joined.
  var vaulttext: String

  /// True for text that starts as vault data does (Ansible's `is_encrypted`).
  static func isEncrypted(_ text: some StringProtocol) -> Bool {
    text.hasPrefix(marker) && text.allSatisfy(\.isASCII)
  }

  /// Parses an envelope as Ansible's `parse_vaulttext_envelope` does; nil when the header is
  /// not `$ANSIBLE_VAULT;VERSION;CIPHER[;LABEL]`.
  init?(_ text: String) {
    guard Self.isEncrypted(text) else { return nil }
    let lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
    let header = lines[0].trimmingCharacters(in: .whitespaces).split(
      separator: ";", omittingEmptySubsequences: false
    ).map { $0.trimmingCharacters(in: .whitespaces) }
    guard header.count >= 3 else { return nil }
    version = header[1]
    cipher = header[2]
    label = header.count >= 4 ? header[3] : nil
    vaulttext = lines.dropFirst().joined()
  }

  init(vaulttext: String, label: String?) {
    self.version = label == nil ? "1.1" : "1.2"
    self.cipher = "AES256"
    self.label = label
    self.vaulttext = vaulttext
  }

  /// Ansible's `format_vaulttext_envelope`: the header, the vaulttext in 80-character lines,
  /// and a final newline.
  var text: String {
    var header = [Self.marker, version, cipher]
    if version == "1.2", let label { header.append(label) }
    var lines = [header.joined(separator: ";")]
    var rest = Substring(vaulttext)
    while !rest.isEmpty {
      lines.append(String(rest.prefix(80)))
      rest = rest.dropFirst(80)
    }
    return lines.joined(separator: "\n") + "\n"
  }
}
