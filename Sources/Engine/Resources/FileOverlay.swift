import Basics
import Foundation

/// The content files will have after the changes planned so far on one host.
///
/// Resources that edit the same file one after another (several `LineInFile` tasks on
/// /etc/hosts, say) plan against each other's results instead of the stale probed content.
public final class FileOverlay: @unchecked Sendable {
  private var contents: [String: Data] = [:]

  /// An empty overlay.
  public init() {}

  /// The planned content of `path`, if an earlier task plans to write it.
  public subscript(path: String) -> Data? {
    get { contents[path] }
    set { contents[path] = newValue }
  }
}
