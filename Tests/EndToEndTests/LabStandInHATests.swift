import ClusterMgrTesting
import Foundation
import Testing

/// Several servers: embedded etcd (cluster-init) on the first, `server:` + token on the others,
/// critical settings that must agree, the datastore's token, snapshots and cluster-reset.
@Suite(.serialized, .lab("t-k3sha", hosts: ["lab-cp1", "lab-cp2", "lab-cp3"]))
struct LabStandInHATests {
  static let token = "ha-token-abcdef0123456789"

  func config(
    _ lab: LabInstance, _ host: String, first: Bool, token: String = Self.token,
    extra: String = ""
  ) -> String {
    let ip = lab.host(host).address
    var text = """
      node-ip: \(ip)
      advertise-address: \(ip)
      flannel-iface: tailscale0
      tls-san: [\(ip), \(host).lab-tailnet.ts.net]
      token: \(token)
      """
    text += first ? "\ncluster-init: true" : "\nserver: https://\(lab.host("lab-cp1").address):6443"
    return extra.isEmpty ? text : text + "\n" + extra
  }

  func startFirst(_ lab: LabInstance) throws {
    if try StandIn.sh(lab, "lab-cp1", "systemctl is-active k3s").stdout == "active\n" { return }
    try StandIn.install(lab, StandIn.oldVersion, on: "lab-cp1")
    try StandIn.configure(
      lab, "lab-cp1", mode: "server", config: config(lab, "lab-cp1", first: true))
    let started = try StandIn.start(lab, "lab-cp1", "k3s")
    let log = try StandIn.journal(lab, "lab-cp1", "k3s")
    #expect(started.status == 0, "\(log)")
  }

  func join(_ lab: LabInstance, _ host: String) throws {
    if try StandIn.sh(lab, host, "systemctl is-active k3s").stdout == "active\n" { return }
    try StandIn.install(lab, StandIn.oldVersion, on: host)
    try StandIn.configure(lab, host, mode: "server", config: config(lab, host, first: false))
    let started = try StandIn.start(lab, host, "k3s")
    let log = try StandIn.journal(lab, host, "k3s")
    #expect(started.status == 0, "\(log)")
  }

  @Test func joiningServersShareOneClusterAndItsToken() throws {
    let lab = try LabInstance.required()
    try startFirst(lab)
    // Wrong token: the first server refuses the join.
    try StandIn.install(lab, StandIn.oldVersion, on: "lab-cp3")
    try StandIn.configure(
      lab, "lab-cp3", mode: "server", config: config(lab, "lab-cp3", first: false, token: "nope"))
    #expect(try StandIn.start(lab, "lab-cp3", "k3s").status != 0)
    #expect(try StandIn.journal(lab, "lab-cp3", "k3s").contains("401 Unauthorized"))
    // A critical setting that differs from the first server's.
    try StandIn.configure(
      lab, "lab-cp3", mode: "server",
      config: config(lab, "lab-cp3", first: false, extra: "cluster-cidr: 10.52.0.0/16"))
    #expect(try StandIn.start(lab, "lab-cp3", "k3s").status != 0)
    #expect(
      try StandIn.journal(lab, "lab-cp3", "k3s").contains("critical configuration value mismatch"))
    try StandIn.sh(lab, "lab-cp3", "rm -rf /var/lib/rancher/k3s/server/db")
    try join(lab, "lab-cp2")
    try join(lab, "lab-cp3")
    // Every server answers with the same nodes (one datastore), each with the etcd role.
    for server in ["lab-cp1", "lab-cp2", "lab-cp3"] {
      let nodes = try StandIn.json(lab, server, "nodes")["items"] as? [[String: Any]] ?? []
      #expect(
        Set(nodes.compactMap { $0.string("metadata", "name") }) == [
          "lab-cp1", "lab-cp2", "lab-cp3",
        ],
        "as seen from \(server)")
      for node in nodes {
        #expect(node.labels["node-role.kubernetes.io/etcd"] == "true")
        #expect(node.labels["node-role.kubernetes.io/control-plane"] == "true")
      }
      #expect(try StandIn.kubectl(lab, server, "get --raw /readyz").stdout == "ok")
    }
    // A write on one server is read on another.
    #expect(
      try StandIn.kubectl(lab, "lab-cp2", "create configmap shared --from-literal=k=v").status == 0)
    #expect(
      try StandIn.kubectl(lab, "lab-cp3", "get configmap shared -o jsonpath={.data.k}").stdout
        == "v")
    // One token everywhere: each server's token file names the same CA and password.
    let tokens = try ["lab-cp1", "lab-cp2", "lab-cp3"].map {
      try StandIn.sh(lab, $0, "cat /var/lib/rancher/k3s/server/token").stdout
    }
    #expect(Set(tokens).count == 1, "\(tokens)")
    #expect(tokens[0].hasSuffix("::server:\(Self.token)\n"))
  }

  @Test func theDatastoreRemembersItsToken() throws {
    let lab = try LabInstance.required()
    try startFirst(lab)
    try StandIn.sh(
      lab, "lab-cp1", "sed -i 's/^token: .*/token: another-token/' /etc/rancher/k3s/config.yaml")
    #expect(try StandIn.sh(lab, "lab-cp1", "systemctl restart k3s").status != 0)
    #expect(
      try StandIn.journal(lab, "lab-cp1", "k3s").contains(
        "bootstrap data already found and encrypted with different token"))
    try StandIn.sh(
      lab, "lab-cp1", "sed -i 's/^token: .*/token: \(Self.token)/' /etc/rancher/k3s/config.yaml")
    try StandIn.start(lab, "lab-cp1", "k3s")
    #expect(try StandIn.sh(lab, "lab-cp1", "systemctl is-active k3s").stdout == "active\n")
  }

  @Test func etcdSnapshotAndClusterResetRestore() throws {
    let lab = try LabInstance.required()
    try startFirst(lab)
    try StandIn.kubectl(lab, "lab-cp1", "create configmap before --from-literal=k=1")
    let save = try StandIn.sh(lab, "lab-cp1", "k3s etcd-snapshot save --name pre-upgrade")
    #expect(save.status == 0, "\(save.stderr)")
    let path = save.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    #expect(
      path.hasPrefix("/var/lib/rancher/k3s/server/db/snapshots/pre-upgrade-lab-cp1-"), "\(path)")
    #expect(save.stderr.contains("Snapshot pre-upgrade-lab-cp1-"))
    #expect(
      try StandIn.sh(lab, "lab-cp1", "k3s etcd-snapshot ls").stdout.contains("file://\(path)"))
    try StandIn.kubectl(lab, "lab-cp1", "create configmap after --from-literal=k=2")
    // The reset refuses while k3s runs, restores once it is stopped, then exits.
    #expect(
      try StandIn.sh(
        lab, "lab-cp1", "k3s server --cluster-reset --cluster-reset-restore-path=\(path)"
      ).status != 0)
    try StandIn.sh(lab, "lab-cp1", "systemctl stop k3s")
    let reset = try StandIn.sh(
      lab, "lab-cp1", "k3s server --cluster-reset --cluster-reset-restore-path=\(path)")
    #expect(reset.status == 0, "\(reset.stderr)")
    #expect(reset.stderr.contains("Managed etcd cluster membership has been reset"))
    try StandIn.start(lab, "lab-cp1", "k3s")
    #expect(try StandIn.kubectl(lab, "lab-cp1", "get configmap before").status == 0)
    #expect(
      try StandIn.kubectl(lab, "lab-cp1", "get configmap after").stderr
        == "Error from server (NotFound): configmaps \"after\" not found\n")
  }

  @Test func afterAClusterResetAServerWithItsOldDatastoreIsRefusedUntilItIsRemoved() throws {
    let lab = try LabInstance.required()
    try startFirst(lab)
    try join(lab, "lab-cp2")
    let save = try StandIn.sh(lab, "lab-cp1", "k3s etcd-snapshot save --name before-reset")
    let path = save.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    try StandIn.sh(lab, "lab-cp2", "systemctl stop k3s")
    try StandIn.sh(lab, "lab-cp1", "systemctl stop k3s")
    let reset = try StandIn.sh(
      lab, "lab-cp1", "k3s server --cluster-reset --cluster-reset-restore-path=\(path)")
    #expect(reset.status == 0, "\(reset.stderr)")
    try StandIn.start(lab, "lab-cp1", "k3s")
    // As etcd after a cluster-reset: the old member is not in the new member list.
    #expect(try StandIn.start(lab, "lab-cp2", "k3s").status != 0)
    #expect(
      try StandIn.journal(lab, "lab-cp2", "k3s").contains(
        "this server is a not a member of the etcd cluster"))
    try StandIn.sh(
      lab, "lab-cp2",
      "systemctl stop k3s; mv /var/lib/rancher/k3s/server/db /var/lib/rancher/k3s/server/db.old")
    #expect(try StandIn.start(lab, "lab-cp2", "k3s").status == 0)
    #expect(try StandIn.kubectl(lab, "lab-cp2", "get --raw /readyz").stdout == "ok")
  }

  @Test func withoutClusterInitThereIsNoEtcdSnapshot() throws {
    let lab = try LabInstance.required()
    try StandIn.install(lab, StandIn.oldVersion, on: "lab-cp3")
    try StandIn.sh(
      lab, "lab-cp3", "systemctl stop k3s 2>/dev/null; rm -rf /var/lib/rancher/k3s /etc/rancher/k3s"
    )
    var text = config(lab, "lab-cp3", first: true)
    text = text.replacingOccurrences(of: "cluster-init: true", with: "")
    try StandIn.configure(lab, "lab-cp3", mode: "server", config: text)
    try StandIn.start(lab, "lab-cp3", "k3s")
    let save = try StandIn.sh(lab, "lab-cp3", "k3s etcd-snapshot save")
    #expect(save.status != 0 && save.stderr.contains("etcd database not found"), "\(save.stderr)")
  }
}
