import CCurl

/// The libcurl library this process runs with.
public enum CurlLibrary {
  /// The version of the libcurl shared library loaded at run time, e.g. `7.88.1`.
  public static var runtimeVersion: String {
    guard let info = curl_version_info(CURLVERSION_ELEVENTH), let raw = info.pointee.version else {
      return "unknown"
    }
    return String(cString: raw)
  }
}
