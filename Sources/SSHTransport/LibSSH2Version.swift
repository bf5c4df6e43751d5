import CLibSSH2

/// The libssh2 library this process runs with.
public enum LibSSH2Library {
  /// The version of the libssh2 shared library loaded at run time (not the headers).
  public static var runtimeVersion: String {
    guard let raw = libssh2_version(0) else { return "unknown" }
    return String(cString: raw)
  }
}
