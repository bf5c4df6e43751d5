import Foundation

/// The vault passwords of a command: where they come from (configured once from the command
/// line) and, the first time a vaulted value or file needs them, the passwords themselves.
///
/// Like Ansible's vault secrets context, one instance serves the whole process
/// (``shared``): every command that loads the inventory reads vaulted values with it, whichever
/// module loads the inventory. Sources that fail are skipped with a warning as long as another
/// one gives a password (Ansible does the same).
public final class VaultPasswords: @unchecked Sendable {
  /// The passwords of this process (configured by the command line).
  public static let shared = VaultPasswords()

  private let lock = NSLock()
  private var sources: [VaultPasswordSource] = []
  private var prompt: @Sendable (String) -> String? = { _ in nil }
  private var resolved: Result<(VaultKeyring, [String]), InventoryError>?

  /// No passwords until ``configure(_:prompt:)``.
  public init() {}

  /// Passwords that are already known (for tests and for re-encrypting).
  public init(keyring: VaultKeyring) {
    resolved = .success((keyring, []))
  }

  /// Sets where the passwords come from; `prompt` asks on the terminal without echo (nil when there
  /// is no terminal).
  ///
  /// Nothing is read until a vaulted value needs it.
  public func configure(
    _ sources: [VaultPasswordSource], prompt: @escaping @Sendable (String) -> String?
  ) {
    lock.lock()
    defer { lock.unlock() }
    self.sources = sources
    self.prompt = prompt
    resolved = nil
  }

  /// True when any password source was given.
  public var isConfigured: Bool {
    lock.lock()
    defer { lock.unlock() }
    if case .success(let (keyring, _)) = resolved, !keyring.secrets.isEmpty { return true }
    return !sources.isEmpty
  }

  /// The passwords, read on first use (each source once per process), and a warning for each
  /// source that failed while another one worked.
  func keyring() throws(InventoryError) -> (keyring: VaultKeyring, warnings: [String]) {
    lock.lock()
    defer { lock.unlock() }
    if resolved == nil { resolved = Self.read(sources, prompt: prompt) }
    return try resolved!.get()
  }

  /// The vault envelope of `plaintext` under the first password, or the one labelled `label`
  /// (what `ansible-vault encrypt_string` writes).
  public func encrypt(_ plaintext: String, label: String? = nil) throws(InventoryError) -> String {
    guard isConfigured else {
      throw VaultPasswordSource.failure("encrypting needs a vault password and none was given")
    }
    let keyring = try keyring().keyring
    do {
      return try keyring.encrypt(plaintext, label: label)
    } catch .noMatchingPassword(let given) {
      throw VaultPasswordSource.failure(
        "no vault password has the vault-id '\(label ?? VaultKeyring.defaultLabel)' (given: "
          + given.joined(separator: ", ") + ")")
    } catch {
      throw VaultPasswordSource.failure("encrypting needs a vault password and none was given")
    }
  }

  private static func read(
    _ sources: [VaultPasswordSource], prompt: (String) -> String?
  ) -> Result<(VaultKeyring, [String]), InventoryError> {
    var secrets: [VaultKeyring.Secret] = []
    var failures: [InventoryError] = []
    for source in sources {
      do {
        secrets.append(try source.read(prompt: prompt))
      } catch {
        // A prompt that fails stops everything, as in Ansible; a file is skipped.
        if case .prompt = source { return .failure(error) }
        failures.append(error)
      }
    }
    if secrets.isEmpty, let last = failures.last { return .failure(last) }
    let warnings = failures.map { "vault password source skipped: \($0.message)" }
    return .success((VaultKeyring(secrets), warnings))
  }
}
