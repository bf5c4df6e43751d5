import ArgumentParser
import CurlHTTP
import SSHTransport

extension ClusterMgr {
  /// `cluster-mgr version`: the version and the C libraries it runs with.
  struct Version: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Print the cluster-mgr version and the libssh2 and libcurl versions it runs with.")

    func run() throws {
      print("cluster-mgr \(BuildInfo.version)")
      print("libssh2 \(LibSSH2Library.runtimeVersion)")
      print("libcurl \(CurlLibrary.runtimeVersion)")
    }
  }
}
