import Basics
import Dispatch
import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Ctrl-C (SIGINT) and SIGTERM for the commands that change or record a cluster.
///
/// The first signal raises ``Interruption/shared``: no new host, play or step starts, what runs
/// on hosts finishes or reaches its time limit, locks are released and the run is recorded as
/// interrupted (exit status 130). A second signal ends the process at once (status 130).
enum SignalHandling {
  private static let installed = SignalSources()

  /// Installs the handlers (once; later calls do nothing).
  static func install() { installed.installOnce() }

  /// Handles one signal: the first stops new work, a later one exits now.
  static func handle(_ name: String) {
    if Interruption.shared.request(name) {
      say(
        "cluster-mgr: \(name) received: no new host, play or step starts; what runs on the "
          + "hosts finishes (or reaches its time limit), then the locks are released and the run "
          + "is recorded as interrupted. Press Ctrl-C again to stop at once.")
      return
    }
    say(
      "cluster-mgr: \(name) again: stopping at once. Commands already sent may still run on the "
        + "hosts, and a cluster lock this command holds stays on the first server (the next command names it; "
        + "remove it with --force-unlock).")
    if isatty(STDOUT_FILENO) == 1 { _ = write(STDOUT_FILENO, "\u{1B}[?25h", 6) }
    _exit(ExitStatus.interrupted)
  }

  private static func say(_ text: String) {
    let line = "\n" + text + "\n"
    _ = line.withCString { write(STDERR_FILENO, $0, strlen($0)) }
  }
}

/// The dispatch sources, kept alive for the life of the process.
private final class SignalSources: @unchecked Sendable {
  // Safety: `lock` guards `sources`.
  private let lock = NSLock()
  private var sources: [any DispatchSourceSignal] = []

  func installOnce() {
    lock.withLock {
      guard sources.isEmpty else { return }
      for (number, name) in [(SIGINT, "SIGINT"), (SIGTERM, "SIGTERM")] {
        // The default action (end the process) is ignored; the source still sees the signal.
        signal(number, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
        source.setEventHandler { SignalHandling.handle(name) }
        source.resume()
        sources.append(source)
      }
    }
  }
}

/// Prints a progress line of a long step and flushes it at once, so that whoever reads a pipe
/// or a log file sees where the command is (and what it was doing when it was interrupted).
func printProgress(_ line: String) {
  print(line)
  fflush(nil)
}
