import ClusterMgrTesting
import Foundation
import SSHTransport
import Testing

/// The transport against real sshd: exec, sudo, files, injection. Tests in extensions of this
/// suite (other files) share its lab.
@Suite(.serialized, .lab("t-ssh", hosts: ["lab-cp1", "lab-w1"]))
struct SSHLabTests {}
