import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Where passphrases and passwords come from when no value was configured.
public enum SecretPrompt {
  /// The environment variable holding the passphrase of encrypted key files.
  public static let passphraseVariable = "CLUSTER_MGR_SSH_PASSPHRASE"

  /// The passphrase of the key file at `path`: `$CLUSTER_MGR_SSH_PASSPHRASE`, else asked on the
  /// terminal (once per key file and process), else nil.
  public static let keyPassphrase: @Sendable (String) -> String? = { path in
    passphrase(
      for: path, environment: ProcessInfo.processInfo.environment,
      ask: { readHidden(prompt: $0) })
  }

  /// The passphrase for `path` from `environment`, the cache, or `ask` (serialised, cached).
  static func passphrase(
    for path: String, environment: [String: String], ask: (String) -> String?
  ) -> String? {
    if let value = environment[passphraseVariable], !value.isEmpty { return value }
    return cache.value(for: path) {
      ask("Enter passphrase for key '\(path)': ")
    }
  }

  /// Reads one line from the controlling terminal without echo; nil when there is none.
  public static func readHidden(prompt: String) -> String? {
    let fd = open("/dev/tty", O_RDWR | O_NOCTTY)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var saved = termios()
    guard tcgetattr(fd, &saved) == 0 else { return nil }
    var quiet = saved
    quiet.c_lflag &= ~tcflag_t(ECHO)
    _ = tcsetattr(fd, TCSAFLUSH, &quiet)
    defer {
      _ = tcsetattr(fd, TCSAFLUSH, &saved)
      _ = write(fd, "\n", 1)
    }
    _ = prompt.withCString { write(fd, $0, strlen($0)) }
    var line: [UInt8] = []
    var byte: UInt8 = 0
    while read(fd, &byte, 1) == 1, byte != UInt8(ascii: "\n") { line.append(byte) }
    return String(decoding: line, as: UTF8.self)
  }

  private static let cache = SecretCache()
}

/// Remembers secrets per key and asks for each at most once, one question at a time.
final class SecretCache: @unchecked Sendable {
  private let lock = NSLock()
  private var values: [String: String?] = [:]

  func value(for key: String, ask: () -> String?) -> String? {
    lock.lock()
    defer { lock.unlock() }
    if let known = values[key] { return known }
    let answer = ask()
    values[key] = .some(answer)
    return answer
  }
}
