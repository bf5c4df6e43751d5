/// What the release packages hold.
enum PackagedFiles {
  /// Every file of the .deb and the .tar.gz, by path relative to `/`.
  static let all = [
    "usr/bin/cluster-mgr",
    "usr/share/bash-completion/completions/cluster-mgr",
    "usr/share/fish/vendor_completions.d/cluster-mgr.fish",
    "usr/share/man/man1/cluster-mgr.1.gz",
    "usr/share/zsh/vendor-completions/_cluster-mgr",
  ]

  /// What `scripts/install --prefix P` writes, by path relative to P.
  static let installed = [
    "bin/cluster-mgr",
    "share/bash-completion/completions/cluster-mgr",
    "share/fish/vendor_completions.d/cluster-mgr.fish",
    "share/man/man1/cluster-mgr.1.gz",
    "share/zsh/site-functions/_cluster-mgr",
  ]

  /// An inventory whose hosts do not exist (TEST-NET-1 addresses) but whose roles use every
  /// template and file `cluster-mgr provision` renders: K3s server and agent, GPU, Flux.
  static let inventory = """
    all:
      vars:
        cluster_name: packaged
        k3s_version: v1.31.4+k3s1
        ansible_user: admin
        gpu_time_slicing_enabled: true
        gpu_time_slicing_replicas: 4
        git_repo_url: https://example.com/homelab.git
      children:
        control_plane:
          hosts:
            cp1:
              ansible_host: 192.0.2.10
              tailscale_ip: 192.0.2.10
        workers:
          hosts:
            gpu1:
              ansible_host: 192.0.2.20
              tailscale_ip: 192.0.2.20
              gpu: true

    """

  /// Tasks `provision --list-tasks` shows only when the role's templates and files rendered
  /// (a role whose tasks cannot be built is left out of the listing).
  static let renderedTasks = [
    "k3s unit", "k3s-agent unit", "uninstall script", "nvidia RuntimeClass",
    "device plugin and time-slicing (4 per GPU)",
  ]
}
