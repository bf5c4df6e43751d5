import ClusterMgrTesting
import Foundation
import Testing

/// The lab's release mirror (GitHub's release layout over HTTPS, certificate from the lab CA,
/// reached as github.com), the K3s stand-in for cluster-mgr's default version, and the
/// workstation kind: alice with her key and kubeconfig, the workstation's tailnet view, kubectl,
/// and the lab's Debian repository.
@Suite(.serialized, .lab("t-ws", hosts: ["lab-cp1", "lab-w1"], workstations: ["ws1"]))
struct LabWorkstationTests {
  @Test func theLabBuildsK3sForClusterMgrsDefaultVersion() throws {
    let lab = try LabInstance.required()
    let versions = try #require(try StandIn.env(lab)["LAB_K3S_VERSIONS"]).split(separator: ",")
      .map(String.init)
    #expect(Array(versions.prefix(2)) == [StandIn.oldVersion, StandIn.newVersion])
    #expect(versions.contains(Workstation.defaultK3sVersion), "\(versions)")
    let url = "https://github.com" + Workstation.k3sPath("k3s")
    let installed = try lab.exec(
      "lab-w1", "curl -fsSL '\(url)' -o /tmp/k3s && chmod 755 /tmp/k3s && /tmp/k3s --version")
    #expect(
      installed.stdout.hasPrefix("k3s version \(Workstation.defaultK3sVersion) ("),
      "\(installed.stdout)\(installed.stderr)")
  }

  @Test func theMirrorServesGitHubsReleaseLayoutOverVerifiedHTTPS() throws {
    let lab = try LabInstance.required()
    let version = Workstation.defaultK3sVersion
    let sums = try lab.exec(
      "lab-cp1", "curl -fsSL https://github.com\(Workstation.k3sPath("sha256sum-amd64.txt"))")
    #expect(sums.status == 0, "\(sums.stderr)")
    #expect(
      sums.stdout.utf8.elementsEqual(
        try Workstation.artifact(lab, "k3s/\(version)/sha256sum-amd64.txt")))
    // GitHub answers a release download with a redirect to its object store.
    let redirect = try lab.exec(
      "lab-cp1",
      "curl -sS -o /dev/null -w '%{http_code} %{redirect_url}' https://github.com\(Workstation.k3sPath("k3s"))"
    )
    #expect(
      redirect.stdout.hasPrefix("302 https://objects.githubusercontent.com/"), "\(redirect.stdout)")
    let listed = try Workstation.listedK3sSHA256(lab)
    #expect(
      try Workstation.downloadedSHA256(
        lab, "lab-cp1", "https://github.com" + Workstation.k3sPath("k3s"))
        == listed)
    // The mirror's own name, with the version's + raw (as install.sh sends it) and encoded.
    for path in ["/k3s-io/k3s/releases/download/\(version)/k3s", Workstation.k3sPath("k3s")] {
      #expect(
        try Workstation.downloadedSHA256(lab, "lab-w1", lab.mirrorURL + path) == listed, "\(path)")
    }
    let flux = try Workstation.downloadedSHA256(
      lab, "lab-w1", "https://github.com" + Workstation.fluxPath)
    #expect(
      flux
        == (try Workstation.sha256(
          Workstation.artifact(lab, "flux/\(Workstation.fluxVersion)/install.yaml"))))
    // Python's ssl (the stand-ins', Ansible's) trusts the lab CA and follows the redirect too.
    let python = try lab.exec(
      "lab-w1",
      "python3 -c \"import urllib.request; print(urllib.request.urlopen('https://github.com\(Workstation.k3sPath("sha256sum-amd64.txt"))').read().decode().split()[0])\""
    )
    #expect(python.stdout == listed + "\n", "\(python.stderr)")
    let size = try Workstation.artifact(lab, "k3s/\(version)/k3s").count
    let head = try lab.exec("lab-cp1", "curl -fsSI \(lab.mirrorURL)\(Workstation.k3sPath("k3s"))")
      .stdout
    #expect(head.hasPrefix("HTTP/1.1 200"), "\(head)")
    #expect(head.lowercased().contains("content-length: \(size)\r\n"), "\(head)")
    try checkNotFoundAndCertificate(lab)
    try checkRequestLog(lab, size: size)
  }

  func checkNotFoundAndCertificate(_ lab: LabInstance) throws {
    for path in [
      Workstation.k3sPath("k3s", version: "v9.9.9+k3s1"), Workstation.k3sPath("k3s-armhf"),
      "/k3s-io/k3s/releases/latest", "/fluxcd/flux2/releases/download/v2.9.4/flux.tar.gz", "/",
    ] {
      let code = try lab.exec(
        "lab-cp1", "curl -sS -o /dev/null -w '%{http_code}' 'https://github.com\(path)'")
      #expect(code.stdout == "404", "\(path): \(code.stdout) \(code.stderr)")
    }
    // The certificate names the gateway's address as well; verification is real: with only a
    // public root to trust, curl refuses the mirror.
    let byAddress = try lab.exec(
      "lab-cp1",
      "curl -fsS -o /dev/null https://\(lab.gateway)\(Workstation.k3sPath("sha256sum-amd64.txt"))")
    #expect(byAddress.status == 0, "\(byAddress.stderr)")
    let untrusted = try lab.exec(
      "lab-cp1",
      "d=$(mktemp -d); curl -sS -o /dev/null --capath $d "
        + "--cacert /usr/share/ca-certificates/mozilla/ISRG_Root_X1.crt https://github.com/; "
        + "rc=$?; rmdir $d; exit $rc")
    #expect(untrusted.status == 60, "\(untrusted.status) \(untrusted.stderr)")
  }

  func checkRequestLog(_ lab: LabInstance, size: Int) throws {
    let cp1 = lab.host("lab-cp1").address
    let requests = try lab.mirrorRequests().filter { $0.client == cp1 }
    let k3s = "k3s/\(Workstation.defaultK3sVersion)/k3s"
    #expect(requests.contains { $0.host == "github.com" && $0.status == 302 && $0.file == k3s })
    #expect(
      requests.contains {
        $0.host == "objects.githubusercontent.com" && $0.status == 200 && $0.file == k3s
          && $0.bytes == size && !$0.tampered
      })
    #expect(requests.contains { $0.method == "HEAD" && $0.status == 200 && $0.bytes == 0 })
    #expect(requests.contains { $0.path == "/k3s-io/k3s/releases/latest" && $0.status == 404 })
  }

  @Test func severalHostsDownloadTheBinaryAtOnce() throws {
    let lab = try LabInstance.required()
    let listed = try Workstation.listedK3sSHA256(lab)
    let url = "https://github.com" + Workstation.k3sPath("k3s")
    let script =
      "d=$(mktemp -d); seq 4 | xargs -P 4 -I{} curl -fsSL '\(url)' -o $d/k{}; sha256sum $d/k* | cut -c1-64; rm -rf $d"
    let hosts = ["lab-cp1", "lab-w1", Workstation.name]
    let outputs = Outputs(count: hosts.count)
    DispatchQueue.concurrentPerform(iterations: hosts.count) { index in
      outputs.set(index, (try? lab.exec(hosts[index], script))?.stdout ?? "")
    }
    for (host, output) in zip(hosts, outputs.values) {
      #expect(output == String(repeating: listed + "\n", count: 4), "\(host): \(output)")
    }
  }

  @Test func commandsInHostsStartWithNoSignalBlocked() throws {
    // The test runner's threads block every signal and Foundation's Process passes that on; in a
    // host a shell's `wait` would then never return (SIGCHLD blocked).
    let lab = try LabInstance.required()
    let root = try lab.exec("lab-cp1", "grep SigBlk /proc/self/status")
    #expect(root.stdout == "SigBlk:\t0000000000000000\n")
    let alice = try lab.exec(
      Workstation.name, as: Workstation.user, "grep SigBlk /proc/self/status")
    #expect(alice.stdout == "SigBlk:\t0000000000000000\n")
  }

  @Test func aTamperedAssetFailsItsChecksumUntilRestored() throws {
    let lab = try LabInstance.required()
    defer { try? lab.restoreMirror() }
    let listed = try Workstation.listedK3sSHA256(lab)
    let k3sURL = "https://github.com" + Workstation.k3sPath("k3s")
    let k3s = try lab.tamperMirror("k3s/\(Workstation.defaultK3sVersion)/k3s")
    #expect(k3s.originalSHA256 == listed && k3s.sha256 != listed)
    #expect(try Workstation.downloadedSHA256(lab, "lab-cp1", k3sURL) == k3s.sha256)
    let sums = try lab.exec(
      "lab-cp1", "curl -fsSL https://github.com\(Workstation.k3sPath("sha256sum-amd64.txt"))")
    #expect(sums.stdout.hasPrefix(listed + "  k3s"), "the sha256sum file is left as the release's")
    let size = try Workstation.artifact(lab, "k3s/\(Workstation.defaultK3sVersion)/k3s").count
    let head = try lab.exec("lab-cp1", "curl -fsSIL \(k3sURL)").stdout.lowercased()
    #expect(head.contains("content-length: \(size)\r\n"), "flipping keeps the size: \(head)")
    let fluxURL = "https://github.com" + Workstation.fluxPath
    let flux = try lab.tamperMirror(fluxURL, appending: true)
    #expect(flux.sha256 != flux.originalSHA256)
    #expect(try Workstation.downloadedSHA256(lab, "lab-w1", fluxURL) == flux.sha256)
    #expect(
      try lab.mirrorRequests().contains { $0.file == k3s.file && $0.tampered && $0.status == 200 })
    try lab.restoreMirror(k3sURL)
    #expect(try Workstation.downloadedSHA256(lab, "lab-cp1", k3sURL) == listed)
    #expect(
      try Workstation.downloadedSHA256(lab, "lab-w1", fluxURL) == flux.sha256, "still tampered")
    try lab.restoreMirror()
    #expect(try Workstation.downloadedSHA256(lab, "lab-w1", fluxURL) == flux.originalSHA256)
  }

  @Test func theWorkstationIsACleanDebianWithAlice() throws {
    let lab = try LabInstance.required()
    let ws = lab.host(Workstation.name)
    #expect(lab.workstations == [ws] && lab.workstationUser == Workstation.user)
    #expect(!lab.hosts.contains(ws))
    let inventory = try String(contentsOfFile: lab.inventoryPath, encoding: .utf8)
    let knownHosts = try String(contentsOfFile: lab.knownHostsPath, encoding: .utf8)
    #expect(!inventory.contains(ws.name) && !inventory.contains(ws.address + "\n"))
    #expect(!knownHosts.contains(ws.address + " "))
    let passwd = try lab.exec(ws.name, "getent passwd alice").stdout
    #expect(passwd == "alice:x:1002:1002:Alice:/home/alice:/bin/bash\n")
    let session = try lab.exec(
      ws.name, as: Workstation.user,
      "echo \"$HOME|$USER|$SHELL|$PATH\"; stat -c '%n %a %U' ~/.ssh ~/.ssh/id_ed25519 ~/.kube/config; "
        + "wc -c < ~/.ssh/known_hosts; cat ~/.ssh/id_ed25519.pub")
    let lines = session.stdout.split(separator: "\n").map(String.init)
    #expect(lines.count == 6, "\(session.stdout)\(session.stderr)")
    guard lines.count == 6 else { return }
    #expect(lines[0].hasPrefix("/home/alice|alice|/bin/bash|/usr/local/bin:"), "\(lines[0])")
    #expect(
      Array(lines[1...4]) == [
        "/home/alice/.ssh 700 alice", "/home/alice/.ssh/id_ed25519 600 alice",
        "/home/alice/.kube/config 600 alice", "0",
      ])
    let publicKey = try String(
      contentsOfFile: try #require(lab.workstationKeyPath) + ".pub", encoding: .utf8)
    #expect(lines[5] + "\n" == publicKey)
    try checkWorkstationTools(lab, ws)
  }

  func checkWorkstationTools(_ lab: LabInstance, _ ws: LabHost) throws {
    let kube = try lab.exec(
      ws.name, as: Workstation.user,
      "kubectl config current-context; kubectl config view -o jsonpath='{.clusters[0].cluster.server}'; echo; "
        + "command -v kubectl; kubectl version --client")
    #expect(
      kube.stdout.hasPrefix(
        "office\nhttps://192.0.2.10:6443\n/usr/local/bin/kubectl\nClient Version: v1."),
      "\(kube.stdout)\(kube.stderr)")
    let swift = try lab.exec(ws.name, as: Workstation.user, "command -v swift swiftc swift-build")
    #expect(swift.status != 0 && swift.stdout.isEmpty, "no Swift toolchain: \(swift.stdout)")
    let checkout = try lab.exec(ws.name, "test -e '\(Repository.root.path)'")
    #expect(checkout.status != 0, "no checkout of this repository")
    #expect(try lab.exec(ws.name, as: Workstation.user, "sudo -n true").status == 0)
  }

  @Test func theWorkstationsTailnetViewListsTheNodesWithoutHostKeys() throws {
    let lab = try LabInstance.required()
    let ws = lab.host(Workstation.name)
    let socket = "/var/run/tailscale/tailscaled.sock"
    let mode = try lab.exec(ws.name, as: Workstation.user, "stat -L -c %a \(socket)").stdout
    #expect(mode == "666\n")
    let json = try lab.exec(
      ws.name, as: Workstation.user,
      "curl -sS --unix-socket \(socket) http://local-tailscaled.sock/localapi/v0/status")
    let status = try Workstation.tailscaleStatus(json.stdout)
    let me = try #require(status["Self"] as? [String: Any])
    #expect(me["HostName"] as? String == ws.name)
    #expect((me["TailscaleIPs"] as? [String])?.first == ws.address)
    let peers = Workstation.peers(status)
    #expect(Set(peers.keys) == Set(lab.hosts.map(\.name)))
    for host in lab.hosts {
      let peer = peers[host.name] ?? [:]
      #expect((peer["TailscaleIPs"] as? [String])?.first == host.address)
      #expect(peer["DNSName"] as? String == "\(host.name).lab-tailnet.ts.net.")
      #expect(peer["OS"] as? String == "linux" && peer["Online"] as? Bool == true)
      #expect(peer["sshHostKeys"] == nil, "\(host.name) runs no Tailscale SSH here")
    }
    // The lab's own LocalAPI emulator keeps its scenario: host keys, and the workstation a peer.
    let gateway = try ProcessRunner.run([
      "curl", "-sS", "--unix-socket", lab.socketPath,
      "http://local-tailscaled.sock/localapi/v0/status",
    ])
    let gatewayPeers = Workstation.peers(try Workstation.tailscaleStatus(gateway.stdout))
    #expect((gatewayPeers["lab-cp1"]?["sshHostKeys"] as? [String])?.count == 3)
    #expect(gatewayPeers[ws.name] != nil && gatewayPeers[ws.name]?["sshHostKeys"] == nil)
  }

  @Test func aliceReachesEveryNodeWithHerOwnKeyAndSudo() throws {
    let lab = try LabInstance.required()
    let ws = Workstation.name
    defer { _ = try? lab.exec(ws, as: Workstation.user, ": > ~/.ssh/known_hosts") }
    let cp1 = lab.host("lab-cp1").address
    let w1 = lab.host("lab-w1").address
    let strict = try lab.exec(
      ws, as: Workstation.user,
      "ssh -o BatchMode=yes -o StrictHostKeyChecking=yes alice@\(cp1) true")
    #expect(
      strict.status != 0 && strict.stderr.contains("Host key verification failed"),
      "\(strict.stderr)")
    let accepted = try lab.exec(
      ws, as: Workstation.user,
      "ssh -i ~/.ssh/id_ed25519 -o BatchMode=yes -o StrictHostKeyChecking=accept-new alice@\(cp1) 'sudo -n true && hostname' && "
        + "eval \"$(ssh-agent -s)\" >/dev/null && ssh-add -q ~/.ssh/id_ed25519 && "
        + "ssh -o BatchMode=yes -o StrictHostKeyChecking=accept-new alice@\(w1) 'sudo -n true && hostname'; "
        + "rc=$?; ssh-agent -k >/dev/null; ssh-keygen -F \(cp1) >/dev/null && ssh-keygen -F \(w1) >/dev/null && exit $rc"
    )
    #expect(accepted.status == 0, "\(accepted.stderr)")
    #expect(accepted.stdout == "lab-cp1\nlab-w1\n")
    // Her key is hers: it opens alice's account from this machine too, and the lab key does not.
    let ssh = [
      "ssh", "-o", "BatchMode=yes", "-o", "UserKnownHostsFile=\(lab.knownHostsPath)", "-o",
      "IdentitiesOnly=yes",
    ]
    let hers = try ProcessRunner.run(
      ssh + ["-i", try #require(lab.workstationKeyPath), "alice@\(w1)", "sudo -n id -u"])
    #expect(hers.stdout == "0\n", "\(hers.stderr)")
    let labKey = try ProcessRunner.run(ssh + ["-i", lab.keyPath, "alice@\(w1)", "true"])
    #expect(labKey.status != 0)
  }

  @Test func aptInstallsALocalDebOfflineFromTheLabRepository() throws {
    let lab = try LabInstance.required()
    let ws = Workstation.name
    let sources = try lab.exec(
      ws, "grep -rhE '^(URIs:|deb )' /etc/apt/sources.list /etc/apt/sources.list.d/ 2>/dev/null")
    #expect(sources.stdout == "URIs: \(try #require(lab.debianRepositoryURL))\n")
    let update = try lab.exec(ws, "apt-get update -q")
    #expect(update.status == 0, "\(update.stdout)\(update.stderr)")
    let deb = try Workstation.probeDeb(depends: Workstation.debDepends)
    try lab.copy(
      deb, to: ws, at: "/home/alice/lab-depends-probe_1.0_amd64.deb", owner: Workstation.user)
    let install = try lab.exec(
      ws, as: Workstation.user,
      "cd ~ && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -q ./lab-depends-probe_1.0_amd64.deb "
        + "&& dpkg-query -W -f '${Status}' lab-depends-probe")
    #expect(install.stdout.hasSuffix("install ok installed"), "\(install.stdout)\(install.stderr)")
    let reinstall = try lab.exec(
      ws, "DEBIAN_FRONTEND=noninteractive apt-get install -y -q --reinstall libssh2-1")
    #expect(reinstall.status == 0, "\(reinstall.stderr)")
    #expect(
      reinstall.stdout.contains(
        "\(try #require(lab.debianRepositoryURL)) bookworm/main amd64 libssh2-1 "))
    #expect(try lab.exec(ws, "apt-get install -y -q libssh2-1").status == 0)
    let elsewhere = try lab.exec(ws, "apt-get install -y -q hello")
    #expect(elsewhere.status != 0 && elsewhere.stderr.contains("Unable to locate package hello"))
  }
}

/// Results written by concurrent workers, one slot each.
private final class Outputs: @unchecked Sendable {
  private let lock = NSLock()
  private var slots: [String]

  init(count: Int) { slots = Array(repeating: "", count: count) }

  func set(_ index: Int, _ value: String) {
    lock.lock()
    slots[index] = value
    lock.unlock()
  }

  var values: [String] {
    lock.lock()
    defer { lock.unlock() }
    return slots
  }
}
