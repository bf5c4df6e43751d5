import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The parsed entries of known_hosts files, kept while a file is unchanged (device, inode, size
/// and modification time): a run with many hosts parses each file once, not once per connection.
final class KnownHostsFileCache: @unchecked Sendable {
  static let shared = KnownHostsFileCache()

  /// What identifies one version of a file.
  private struct Signature: Equatable {
    var device: UInt64
    var inode: UInt64
    var size: Int64
    var modifiedSeconds: Int
    var modifiedNanoseconds: Int
  }

  private let lock = NSLock()
  private var parsed: [String: (signature: Signature, entries: [KnownHosts.Entry])] = [:]

  /// The entries of `path` (none when it cannot be read), parsed again only when it changed.
  /// Connections opened together wait for the first to parse a file rather than each parsing it.
  func entries(of path: String) -> [KnownHosts.Entry] {
    guard let signature = Self.signature(of: path) else { return [] }
    return lock.withLock {
      if let cached = parsed[path], cached.signature == signature { return cached.entries }
      guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [] }
      let entries = KnownHosts.parse(text, source: path)
      // Kept under the signature seen before reading: a write meanwhile changes it, so the next
      // lookup reads the file again.
      parsed[path] = (signature, entries)
      return entries
    }
  }

  private static func signature(of path: String) -> Signature? {
    var info = stat()
    guard stat(path, &info) == 0 else { return nil }
    #if canImport(Darwin)
      let modified = info.st_mtimespec
    #else
      let modified = info.st_mtim
    #endif
    return Signature(
      device: UInt64(info.st_dev), inode: UInt64(info.st_ino), size: Int64(info.st_size),
      modifiedSeconds: Int(modified.tv_sec), modifiedNanoseconds: Int(modified.tv_nsec))
  }
}
