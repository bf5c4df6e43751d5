import Foundation

#if canImport(Glibc)
  import Glibc

  /// Watches directory trees with inotify while a test runs a command, and records, for every
  /// file that appears, its mode the moment it was seen and whether its mode or owner changed
  /// afterwards: the evidence that a credential file was private from its first byte.
  public final class FileModeWatcher: @unchecked Sendable {
    /// What was seen of one file.
    public struct Sighting: Sendable, CustomStringConvertible {
      /// The file's path.
      public let path: String
      /// Its permission bits when it appeared (nil: gone before it could be looked at).
      public let firstMode: mode_t?
      /// Its mode or owner was changed after it appeared (chmod, chown).
      public var changedLater: Bool
      /// Every mode it was seen with (at its creation and after each change).
      public var modesSeen: [mode_t]

      public var description: String {
        "\(path) \(firstMode.map { String($0, radix: 8) } ?? "gone")\(changedLater ? " (changed later)" : "")"
      }
    }

    private let descriptor: Int32
    private let lock = NSLock()
    private var directories: [Int32: String] = [:]
    private var sightings: [String: Sighting] = [:]
    private var stopped = false
    private var thread: Thread?

    /// Starts watching `roots` (created when missing) and every directory made below them.
    public init(roots: [String]) throws {
      descriptor = inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC))
      guard descriptor >= 0 else { throw WatcherError(message: "inotify_init1: \(errno)") }
      for root in roots {
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        addTree(root)
      }
      let thread = Thread { [self] in readEvents() }
      self.thread = thread
      thread.start()
    }

    /// Stops watching and returns every file seen.
    public func stop() -> [Sighting] {
      usleep(200_000)  // the last events
      lock.withLock { stopped = true }
      while thread?.isFinished == false { usleep(10_000) }
      close(descriptor)
      return lock.withLock { Array(sightings.values).sorted { $0.path < $1.path } }
    }

    private func addTree(_ directory: String) {
      let mask = UInt32(IN_CREATE | IN_MOVED_TO | IN_ATTRIB | IN_CLOSE_WRITE)
      let watch = inotify_add_watch(descriptor, directory, mask)
      guard watch >= 0 else { return }
      lock.withLock { directories[watch] = directory }
      for name in (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [] {
        var isDirectory: ObjCBool = false
        let path = directory + "/" + name
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory),
          isDirectory.boolValue
        {
          addTree(path)
        }
      }
    }

    private func readEvents() {
      var buffer = [UInt8](repeating: 0, count: 64 * 1024)
      while !lock.withLock({ stopped }) {
        var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        guard poll(&poller, 1, 50) > 0 else { continue }
        let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
        guard count > 0 else { continue }
        var offset = 0
        while offset + MemoryLayout<inotify_event>.size <= count {
          let event = buffer.withUnsafeBytes {
            $0.loadUnaligned(fromByteOffset: offset, as: inotify_event.self)
          }
          let nameStart = offset + MemoryLayout<inotify_event>.size
          let nameBytes = buffer[nameStart..<nameStart + Int(event.len)].prefix { $0 != 0 }
          handle(event, name: String(decoding: nameBytes, as: UTF8.self))
          offset = nameStart + Int(event.len)
        }
      }
    }

    private func handle(_ event: inotify_event, name: String) {
      guard let directory = lock.withLock({ directories[event.wd] }), !name.isEmpty else { return }
      let path = directory + "/" + name
      if event.mask & UInt32(IN_ISDIR) != 0 {
        if event.mask & UInt32(IN_CREATE | IN_MOVED_TO) != 0 { addTree(path) }
        return
      }
      var status = stat()
      let mode: mode_t? = lstat(path, &status) == 0 ? mode_t(status.st_mode) & 0o777 : nil
      lock.withLock {
        if var known = sightings[path] {
          if event.mask & UInt32(IN_ATTRIB) != 0 { known.changedLater = true }
          if let mode { known.modesSeen.append(mode) }
          sightings[path] = known
        } else if event.mask & UInt32(IN_CREATE | IN_MOVED_TO) != 0 {
          sightings[path] = Sighting(
            path: path, firstMode: mode, changedLater: false, modesSeen: mode.map { [$0] } ?? [])
        }
      }
    }
  }

  /// The watcher could not start.
  public struct WatcherError: Error, CustomStringConvertible {
    /// What failed.
    public let message: String
    public var description: String { message }
  }
#endif
