import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Local files written so that a reader (or a crash at any moment) sees the old content or the
/// new one, never part of it, and that have their final mode from their first byte (a secret is
/// never readable by others, not even for a moment).
public enum AtomicFile {
  /// Replaces (or creates) `path` with `data`: a temporary file next to it, created with `mode`
  /// (and, when root, `owner`'s ids), synced, renamed over `path`, then the directory synced.
  /// `beforeRename` runs between the sync and the rename (test hooks).
  public static func write(
    _ data: Data, to path: String, mode: mode_t, owner: (uid: uid_t, gid: gid_t)? = nil,
    beforeRename: (() -> Void)? = nil
  ) throws(AtomicFileError) {
    var writer = try Writer(for: path, mode: mode, owner: owner)
    try writer.append(data)
    beforeRename?()
    try writer.commit()
  }

  /// Creates `path` holding `data`; an existing file or link at `path` is never replaced
  /// (`EEXIST`).
  public static func create(_ data: Data, at path: String, mode: mode_t) throws(AtomicFileError) {
    var writer = try Writer(for: path, mode: mode, owner: nil)
    try writer.append(data)
    try writer.commitWithoutReplacing()
  }

  /// Creates the missing directories of `path` (itself included), each with `mode`.
  public static func makeDirectories(_ path: String, mode: mode_t) throws(AtomicFileError) {
    var prefix = path.hasPrefix("/") ? "" : "."
    for component in path.split(separator: "/") {
      prefix += "/" + component
      if mkdir(prefix, mode) != 0, errno != EEXIST {
        throw AtomicFileError(path: prefix, step: "create directory", errno: errno)
      }
    }
  }

  /// The directory part of `path` (`.` for a bare name).
  public static func directoryName(_ path: String) -> String { directory(of: path) }

  static func directory(of path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return "." }
    let directory = String(path[..<slash])
    return directory.isEmpty ? "/" : directory
  }

  /// A file being written in pieces (a download): nothing appears at the final path until
  /// ``commit()``; ``discard()`` (or a failure) leaves nothing behind.
  public struct Writer: ~Copyable {
    /// The final path.
    public let path: String
    let temporary: String
    private var descriptor: Int32
    /// Bytes written so far.
    public private(set) var count = 0

    /// Starts a temporary file for `path`, with `mode` from creation.
    public init(for path: String, mode: mode_t, owner: (uid: uid_t, gid: gid_t)? = nil)
      throws(AtomicFileError)
    {
      let name = (path as NSString).lastPathComponent
      let temporary = AtomicFile.directory(of: path) + "/.\(name).cluster-mgr-\(getpid()).tmp"
      unlink(temporary)
      let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
      guard descriptor >= 0 else {
        throw AtomicFileError(path: temporary, step: "create temporary file", errno: errno)
      }
      // The umask may have taken bits away: set exactly `mode` (never more than it) — only
      // when it did, so a private file is never touched after its creation.
      var created = stat()
      let current = fstat(descriptor, &created) == 0 ? mode_t(created.st_mode) & 0o7777 : ~mode
      if current != mode, fchmod(descriptor, mode) != 0 {
        let code = errno
        close(descriptor)
        unlink(temporary)
        throw AtomicFileError(path: temporary, step: "chmod", errno: code)
      }
      if let owner, geteuid() == 0, owner.uid != created.st_uid || owner.gid != created.st_gid {
        _ = fchown(descriptor, owner.uid, owner.gid)
      }
      self.path = path
      self.temporary = temporary
      self.descriptor = descriptor
    }

    /// Appends `data`.
    public mutating func append(_ data: Data) throws(AtomicFileError) {
      let failed = data.withUnsafeBytes { write($0) }
      if let failed {
        closeAndRemove()
        throw AtomicFileError(path: temporary, step: "write", errno: failed)
      }
      count += data.count
    }

    /// Appends `bytes` (a chunk of a download, written as it arrives).
    public mutating func append(_ bytes: UnsafeRawBufferPointer) throws(AtomicFileError) {
      if let failed = write(bytes) {
        closeAndRemove()
        throw AtomicFileError(path: temporary, step: "write", errno: failed)
      }
      count += bytes.count
    }

    /// Writes all of `buffer`; the C error number when that failed.
    private func write(_ buffer: UnsafeRawBufferPointer) -> Int32? {
      guard buffer.count > 0 else { return nil }
      var offset = 0
      while offset < buffer.count {
        let written = systemWrite(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
        if written < 0 {
          if errno == EINTR { continue }
          return errno
        }
        offset += written
      }
      return nil
    }

    /// Syncs the file and renames it to ``path`` (replacing what was there).
    public consuming func commit() throws(AtomicFileError) {
      try sync()
      guard rename(temporary, path) == 0 else {
        let code = errno
        unlink(temporary)
        throw AtomicFileError(path: path, step: "rename", errno: code)
      }
      AtomicFile.syncDirectory(of: path)
    }

    /// Syncs the file and links it to ``path``, failing when ``path`` exists.
    public consuming func commitWithoutReplacing() throws(AtomicFileError) {
      try sync()
      defer { unlink(temporary) }
      guard link(temporary, path) == 0 else {
        throw AtomicFileError(path: path, step: "create", errno: errno)
      }
      AtomicFile.syncDirectory(of: path)
    }

    /// Removes the temporary file; nothing was written at ``path``.
    public consuming func discard() { closeAndRemove() }

    private mutating func sync() throws(AtomicFileError) {
      let synced = fsync(descriptor) == 0
      let code = errno
      close(descriptor)
      descriptor = -1
      if !synced {
        unlink(temporary)
        throw AtomicFileError(path: temporary, step: "fsync", errno: code)
      }
    }

    private mutating func closeAndRemove() {
      if descriptor >= 0 { close(descriptor) }
      descriptor = -1
      unlink(temporary)
    }

    deinit {
      if descriptor >= 0 {
        close(descriptor)
        unlink(temporary)
      }
    }
  }

  static func syncDirectory(of path: String) {
    let descriptor = open(directory(of: path), O_RDONLY | O_CLOEXEC)
    if descriptor >= 0 {
      _ = fsync(descriptor)
      close(descriptor)
    }
  }
}

/// A local file could not be written; the old content (if any) is still in place.
public struct AtomicFileError: OperatorError {
  /// The file or directory involved.
  public var path: String
  /// What was being done.
  public var step: String
  /// The C error number.
  public var errno: Int32

  public var message: String {
    "could not write \(path) (\(step)): \(String(cString: strerror(errno)))"
  }

  public var remedy: String? { "check that the directory exists and is writable" }
}

/// `write(2)`, named apart from the `write` methods above.
private func systemWrite(_ descriptor: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
  write(descriptor, buffer, count)
}
