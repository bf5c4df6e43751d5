import Basics
import Engine
import Foundation
import Inventory
import OrderedCollections

/// The `k3s_server` and `k3s_agent` roles: config first, then the pinned binary, the unit, the
/// service; restarted only when the binary, the unit or the config changed; ready before the
/// next host goes.
enum K3sNodeRole {
  static let configPath = "/etc/rancher/k3s/config.yaml"
  static let tokenPath = "/var/lib/rancher/k3s/server/token"
  static let checkModeToken = "<the first server's token, known once it runs>"

  static func make(_ kind: NodeRole, _ inputs: ProvisionInputs, catalog: ArtifactCatalog?) -> Role {
    let isServer = kind == .server
    let unit = isServer ? "k3s" : "k3s-agent"
    let name = isServer ? "k3s_server" : "k3s_agent"
    return Role(
      name, tags: ["k3s"],
      handlers: [Service.restartHandler("restart \(unit)", unit: unit)]
    ) { context in
      guard let node = inputs.node(context.host) else { return [] }
      return try tasks(
        kind, node: node, unit: unit, inputs: inputs, context: context, catalog: catalog)
    }
  }

  static func tasks(
    _ kind: NodeRole, node: NodeSpec, unit: String, inputs: ProvisionInputs, context: RoleContext,
    catalog: ArtifactCatalog?
  ) throws -> [TaskSpec] {
    let isServer = kind == .server
    let isFirst = isServer && inputs.firstServer?.name == node.name
    let settings = inputs.settings
    let restart = "restart \(unit)"
    var tasks: [TaskSpec] = []

    // The token: servers use the server token (the inventory's, else the first server's own,
    // read from it after it started); agents only the agent token, which cannot join servers.
    let first = inputs.firstServer?.name ?? "?"
    var token = isServer ? settings.token : nil
    var missingToken: String?
    if token == nil && !isFirst {
      let fact = isServer ? "token" : AgentToken.tokenFact
      token = context.facts.value(fact, on: first)
      if token == nil {
        if !context.checkMode {
          missingToken =
            "\(node.name) needs the cluster's \(isServer ? "server" : "agent") token, but it could not be read from the first server \(first); provision the first server first"
        }
        token = checkModeToken
      }
    }
    var agentTokenPassword: String?
    if isServer {
      agentTokenPassword = context.facts.value(AgentToken.passwordFact, on: first)
      if agentTokenPassword == nil {
        if !context.checkMode {
          missingToken =
            "\(node.name) needs the agent token password kept on the first server \(first), which could not be read; provision the first server first"
        }
        agentTokenPassword = AgentToken.checkModeValue
      }
    }
    if isFirst, let token = settings.token {
      tasks.append(TaskSpec("cluster token matches the inventory", TokenGuard(inventoryToken: token)))
    }

    let config = try configuration(
      kind, node: node, isFirst: isFirst, token: token, agentTokenPassword: agentTokenPassword,
      inputs: inputs, facts: context.facts)
    tasks.append(TaskSpec("k3s config directory", Directory("/etc/rancher/k3s", mode: 0o755)))
    let configFile: any Resource =
      missingToken.map(Unsatisfiable.init)
      ?? ManagedFile(configPath, content: .text(config), mode: 0o600, secret: true)
    tasks.append(TaskSpec("k3s config", configFile).notify(restart))
    // Labels and taints K3s applies when the node registers, and only then: a change never
    // needs a restart (node_config reconciles them through the API).
    tasks.append(
      TaskSpec(
        "k3s registration labels and taints",
        ManagedFile(registrationPath, content: .text(try registration(node)), mode: 0o600)))

    let version = settings.k3sVersion
    let machine = context.facts.value("arch", on: node.name) ?? "x86_64"
    let asset = try K3sAsset(machine: machine)
    switch inputs.k3sSource {
    case .artifacts:
      guard let catalog else { throw PlanError("no artifact directory") }
      let artifact = try catalog.k3s(version: version, asset: asset)
      tasks.append(
        TaskSpec(
          "k3s \(version) binary",
          ManagedFile(
            "/usr/local/bin/k3s",
            content: .artifact(localPath: artifact.path, sha256: artifact.sha256), mode: 0o755)
        )
        .notify(restart))
    case .download(let base):
      tasks.append(
        TaskSpec("k3s \(version) binary", K3sDownload(version: version, baseURL: base, asset: asset))
          .notify(restart))
    }
    for tool in ["kubectl", "crictl", "ctr"] {
      tasks.append(
        TaskSpec("\(tool) → k3s", Symlink("/usr/local/bin/\(tool)", target: "/usr/local/bin/k3s")))
    }
    let unitText = try inputs.roleFiles.render(
      "k3s", template: "k3s.service",
      [
        "role": isServer ? "server" : "agent", "node": node.name,
        "command": isServer ? "server" : "agent",
      ])
    tasks.append(
      TaskSpec(
        "\(unit) unit",
        ManagedFile("/etc/systemd/system/\(unit).service", content: .text(unitText)).systemdUnit()
      )
      .notify(restart))
    let uninstall = try inputs.roleFiles.text("k3s", "files/cluster-mgr-k3s-uninstall.sh")
    tasks.append(
      TaskSpec(
        "uninstall script",
        ManagedFile("/usr/local/bin/cluster-mgr-k3s-uninstall.sh", content: .text(uninstall), mode: 0o755))
    )
    tasks.append(TaskSpec("\(unit) service", Service(unit)))
    tasks.append(TaskSpec("apply restarts now", FlushHandlers()))
    if isFirst {
      tasks.append(TaskSpec("read the cluster token", Fetch(tokenPath, as: "token", secret: true)))
      tasks.append(
        TaskSpec(
          "read the agent token",
          Fetch(AgentToken.tokenPath, as: AgentToken.tokenFact, secret: true)))
      tasks.append(ClusterRoles.readKubeconfig())
    }
    if isServer {
      // Through the API from the workstation, once this host's changes are made.
      tasks.append(
        TaskSpec(
          "node Ready with kubelet \(version)",
          APIWait.nodeReady(
            node.name, version: version, timeoutSeconds: 300,
            reads: KubeReads(inputs, context: context))))
    } else {
      tasks.append(
        TaskSpec(
          "\(unit) running",
          WaitFor(.command("systemctl is-active --quiet k3s-agent"), timeoutSeconds: 120)))
    }
    return tasks.map { $0.tagged(isServer ? "k3s_server" : "k3s_agent") }
  }

  /// The node's config.yaml text.
  static func configuration(
    _ kind: NodeRole, node: NodeSpec, isFirst: Bool, token: String?,
    agentTokenPassword: String? = nil, inputs: ProvisionInputs, facts: FactStore.Snapshot
  ) throws -> String {
    let settings = inputs.settings
    guard let ip = inputs.nodeIP(node, facts) else {
      throw PlanError(
        "\(node.name) has no tailscale_ip in the inventory and its Tailscale address is unknown")
    }
    var config = K3sConfig()
    config.set("node-name", .string(node.name))
    config.set("node-ip", .string(ip))
    config.set("flannel-iface", .string("tailscale0"))
    if kind == .server {
      config.set("advertise-address", .string(ip))
      var sans = [ip]
      if let dns = facts.value("magicdns_name", on: node.name) { sans.append(dns) }
      if let endpoint = settings.apiEndpoint, !sans.contains(endpoint) { sans.append(endpoint) }
      config.set("tls-san", .list(sans))
      config.set("cluster-cidr", .string(settings.clusterCIDR))
      config.set("service-cidr", .string(settings.serviceCIDR))
      config.set("cluster-dns", .string(settings.clusterDNS))
      config.set("cluster-domain", .string(settings.clusterDomain))
      config.set("write-kubeconfig-mode", .string("0600"))
      // Servers listen where every node and the kubeconfig connect (K3s's default is 6443).
      if settings.apiPort != 6443 { config.set("https-listen-port", .int(settings.apiPort)) }
      if isFirst && inputs.servers.count > 1 { config.set("cluster-init", .bool(true)) }
    }
    if !isFirst {
      guard let url = inputs.serverURL(facts) else { throw PlanError("no server to join") }
      config.set("server", .string(url))
    }
    if let token { config.set("token", .string(token)) }
    if let agentTokenPassword { config.set("agent-token", .string(agentTokenPassword)) }
    var kubeletArgs: [String] = []
    var kubeReserved: [String] = []
    if let cpu = node.reservedCPU { kubeReserved.append("cpu=\(cpu)") }
    if let memory = node.reservedMemory { kubeReserved.append("memory=\(memory)") }
    if !kubeReserved.isEmpty {
      if !node.reservedEphemeralStorage.isEmpty {
        kubeReserved.append("ephemeral-storage=\(node.reservedEphemeralStorage)")
      }
      kubeletArgs.append("kube-reserved=" + kubeReserved.joined(separator: ","))
    }
    var systemReserved: [String] = []
    if !node.systemReservedCPU.isEmpty { systemReserved.append("cpu=\(node.systemReservedCPU)") }
    if !node.systemReservedMemory.isEmpty {
      systemReserved.append("memory=\(node.systemReservedMemory)")
    }
    if !node.systemReservedEphemeralStorage.isEmpty {
      systemReserved.append("ephemeral-storage=\(node.systemReservedEphemeralStorage)")
    }
    if !systemReserved.isEmpty {
      kubeletArgs.append("system-reserved=" + systemReserved.joined(separator: ","))
    }
    config.append("kubelet-arg", kubeletArgs)
    // User extras: real config keys (`k3s_server_args` / `k3s_agent_args` maps), then
    // k3s-ansible's flag strings (`extra_server_args` / `extra_agent_args`).
    let mapKey = kind == .server ? "k3s_server_args" : "k3s_agent_args"
    if let extras = node.variables[mapKey]?.mapValue {
      for (key, value) in extras { config.merge(key, .inventory(value)) }
    }
    let flagStrings = [
      (
        mapKey,
        (node.variables[mapKey]?.listValue ?? []).compactMap(\.stringValue).joined(separator: " ")
      ),
      (
        kind == .server ? "extra_server_args" : "extra_agent_args",
        kind == .server ? settings.extraServerArgs : settings.extraAgentArgs
      ),
    ]
    for (variable, flagString) in flagStrings {
      do {
        for (key, value) in try K3sConfig.flags(flagString) { config.merge(key, value) }
      } catch let error as K3sConfigError {
        throw PlanError("\(variable): \(error.message)")
      }
    }
    return try config.yaml(
      header: "Managed by cluster-mgr for \(node.name); edit the inventory, not this file.")
  }

  static let registrationPath = "/etc/rancher/k3s/config.yaml.d/50-cluster-mgr-registration.yaml"

  /// The registration drop-in: `node-label` and `node-taint` for K3s to apply at registration.
  ///
  /// K3s applies them only when the node first registers (so a new node never runs workloads
  /// before its taints are in place). The keys end in `+`: K3s appends them to what config.yaml holds (labels and taints from
  /// `k3s_*_args`/`extra_*_args`); without it a drop-in's list replaces config.yaml's
  /// (pkg/configfilearg/parser.go).
  static func registration(_ node: NodeSpec) throws -> String {
    var config = K3sConfig()
    config.set(
      "node-label+",
      .list(node.labels.filter { !isReservedLabel($0.key) }.map { "\($0.key)=\($0.value)" }))
    config.set("node-taint+", .list(node.taints.map(\.description)))
    return try config.yaml(
      header:
        "Managed by cluster-mgr: labels and taints K3s applies when \(node.name) registers. Later changes go through the API."
    )
  }

  /// Labels kubelet refuses at registration (`kubernetes.io`/`k8s.io` namespaces); set through
  /// the API instead.
  static func isReservedLabel(_ key: String) -> Bool {
    let prefix = key.split(separator: "/").first.map(String.init) ?? ""
    guard key.contains("/") else { return false }
    return prefix.hasSuffix("kubernetes.io") || prefix.hasSuffix("k8s.io")
  }
}

/// Refuses to write an inventory token that differs from the token the cluster was created
/// with: K3s would fail with "bootstrap data already found and encrypted with different token".
struct TokenGuard: Resource {
  let inventoryToken: String

  func probeScript(_ context: PlanContext) -> String {
    "[ -f \(K3sNodeRole.tokenPath) ] && echo \"token=$(base64 -w0 < \(K3sNodeRole.tokenPath))\""
  }

  func plan(current: ProbeSection, context: PlanContext) throws -> Plan {
    guard let data = current.data("token") else { return .ok("no cluster yet") }
    let existing = String(decoding: data, as: UTF8.self).trimmingCharacters(
      in: .whitespacesAndNewlines)
    // Secure form K10<hash>::server:<password>; the inventory may hold either form.
    let password = existing.components(separatedBy: "::server:").last ?? existing
    if existing == inventoryToken || password == inventoryToken {
      return .ok("the cluster's token is the inventory's")
    }
    throw PlanError(
      "\(context.host): the inventory's token differs from the token this cluster was created with; K3s would refuse to start. Remove `token` from the inventory (cluster-mgr reads it from the server), or rotate it with `k3s token rotate` first."
    )
  }
}
