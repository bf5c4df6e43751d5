/// The vault passwords a command was given, each with its vault-id label, in the order Ansible
/// tries them (`--vault-id` first, then `--vault-password-file`, `ANSIBLE_VAULT_PASSWORD_FILE`,
/// `--ask-vault-pass`).
public struct VaultKeyring: Sendable {
  /// One password and where it came from.
  public struct Secret: Sendable {
    /// The vault-id label (`default` unless given as `label@source`).
    public var label: String
    /// Where the password came from, for messages (never the password itself).
    public var source: String
    var password: [UInt8]

    /// A password for `label`, read from `source`.
    public init(label: String, password: String, source: String) {
      self.label = label
      self.password = Array(password.utf8)
      self.source = source
    }
  }

  /// Ansible's label for a password given without one.
  public static let defaultLabel = "default"

  /// The passwords, best first.
  public var secrets: [Secret]

  /// A keyring holding `secrets`.
  public init(_ secrets: [Secret]) {
    self.secrets = secrets
  }

  /// Why a vaulted text does not open.
  enum Failure: Error, Equatable {
    /// No password was given at all.
    case noPassword
    /// Not an envelope Ansible can read (header, hex or cipher).
    case format(String)
    /// No password opened it (wrong password, another vault-id's password, or a changed
    /// ciphertext: the HMAC tells them apart from nothing else).
    case noMatchingPassword(tried: [String])
  }

  /// The plaintext of `envelope` (Ansible's `VaultLib.decrypt`): a password whose label is the
  /// envelope's vault-id is tried first, then every other one.
  func decrypt(_ envelope: String) throws(Failure) -> [UInt8] {
    guard let parsed = VaultEnvelope(envelope) else {
      throw .format("the vault header is not $ANSIBLE_VAULT;VERSION;CIPHER")
    }
    guard parsed.cipher == "AES256" else {
      throw .format("the cipher '\(parsed.cipher)' is not supported (only AES256)")
    }
    guard !secrets.isEmpty else { throw .noPassword }
    let label = parsed.label ?? Self.defaultLabel
    let ordered = secrets.filter { $0.label == label } + secrets.filter { $0.label != label }
    for secret in ordered {
      do {
        return try VaultCipher.decrypt(vaulttext: parsed.vaulttext, password: secret.password)
      } catch .format(let problem) {
        throw .format(problem)
      } catch {
        continue
      }
    }
    throw .noMatchingPassword(tried: ordered.map { "\($0.label)@\($0.source)" })
  }

  /// The envelope of `plaintext` under the first password (or the one labelled `label`), as
  /// `ansible-vault encrypt_string` writes it: format 1.1, or 1.2 naming a label that is not
  /// `default`.
  func encrypt(_ plaintext: String, label: String? = nil) throws(Failure) -> String {
    let secret: Secret?
    if let label {
      secret = secrets.first { $0.label == label }
    } else {
      secret = secrets.first
    }
    guard let secret else {
      if label != nil, !secrets.isEmpty {
        throw .noMatchingPassword(tried: secrets.map { "\($0.label)@\($0.source)" })
      }
      throw .noPassword
    }
    let vaulttext = VaultCipher.encrypt(Array(plaintext.utf8), password: secret.password)
    let envelopeLabel = secret.label == Self.defaultLabel ? nil : secret.label
    return VaultEnvelope(vaulttext: vaulttext, label: envelopeLabel).text
  }
}
