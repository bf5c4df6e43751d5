// swift-tools-version: 6.1
// cluster-mgr: turns the machines of a Tailscale tailnet into a K3s cluster.
import PackageDescription

let strict: [SwiftSetting] = [
  .enableUpcomingFeature("ExistentialAny"),
  .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
  name: "cluster-mgr",
  platforms: [.macOS(.v14)],
  products: [
    .executable(name: "cluster-mgr", targets: ["ClusterMgrCLI"]),
    .executable(name: "bench-site", targets: ["BenchSite"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
    .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
    .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
    .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
    .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.1"),
    .package(url: "https://github.com/pointfreeco/swift-custom-dump", from: "1.7.3"),
  ],
  targets: [
    // MARK: - C libraries (CLibSSH2 imported by SSHTransport alone, CCurl by CurlHTTP alone;
    // COpenSSL by both, for the one process-wide setting of the libcrypto they share)
    .systemLibrary(
      name: "CLibSSH2", pkgConfig: "libssh2",
      providers: [.apt(["libssh2-1-dev"]), .brew(["libssh2"])]),
    .systemLibrary(
      name: "CCurl", pkgConfig: "libcurl",
      providers: [.apt(["libcurl4-openssl-dev"]), .brew(["curl"])]),
    .systemLibrary(
      name: "COpenSSL", pkgConfig: "libcrypto",
      providers: [.apt(["libssl-dev"]), .brew(["openssl@3"])]),

    // MARK: - Transport, discovery, inventory
    .target(
      name: "Basics",
      dependencies: [.product(name: "Crypto", package: "swift-crypto")],
      swiftSettings: strict),
    .target(
      name: "SSHTransport",
      dependencies: ["CLibSSH2", "COpenSSL", "Basics", .product(name: "Crypto", package: "swift-crypto")],
      swiftSettings: strict),
    .target(
      name: "CurlHTTP",
      dependencies: ["CCurl", "COpenSSL", "Basics"],
      swiftSettings: strict),
    .target(
      name: "Tailscale",
      dependencies: ["CurlHTTP", "Basics"],
      swiftSettings: strict),
    .target(
      name: "Kubernetes",
      dependencies: ["CurlHTTP", "Basics", "Yams"],
      swiftSettings: strict),
    .target(
      name: "Inventory",
      dependencies: [
        "Basics", "Yams",
        .product(name: "Collections", package: "swift-collections"),
        .product(name: "Crypto", package: "swift-crypto"),
        .product(name: "_CryptoExtras", package: "swift-crypto"),
      ],
      swiftSettings: strict),
    .target(
      name: "RunHistory",
      dependencies: ["Basics", .product(name: "GRDB", package: "GRDB.swift")],
      swiftSettings: strict),

    // MARK: - Files compiled into the binary (VERSION, roles/)
    // The EmbedPackageAssets plugin runs AssetEmbedder over VERSION and every file of roles/.
    // Sources/PackageAssets/roles is a link to ../../roles: SwiftPM plans a build anew only when
    // a target's folder changes shape, so through the link a file added to or removed from
    // roles/ reaches the next build (an edited file does anyway: it is an input of the command).
    .executableTarget(name: "AssetEmbedder", swiftSettings: strict),
    .plugin(
      name: "EmbedPackageAssets", capability: .buildTool(), dependencies: ["AssetEmbedder"]),
    .target(
      name: "PackageAssets", exclude: ["roles"], swiftSettings: strict,
      plugins: ["EmbedPackageAssets"]),

    // MARK: - Engine and roles
    .target(
      name: "Engine",
      dependencies: [
        "Basics", "SSHTransport", "PackageAssets",
        .product(name: "Crypto", package: "swift-crypto"),
        .product(name: "Mustache", package: "swift-mustache"),
      ],
      swiftSettings: strict),
    .target(
      name: "Roles",
      dependencies: [
        "Basics", "Engine", "Inventory", "Kubernetes", "CurlHTTP", "Yams",
        .product(name: "Collections", package: "swift-collections"),
      ],
      swiftSettings: strict),

    // MARK: - Operations and user interface
    .target(
      name: "TerminalUI",
      dependencies: ["Basics"],
      swiftSettings: strict),
    .target(
      name: "ClusterOps",
      dependencies: [
        "Basics", "SSHTransport", "Tailscale", "Inventory", "RunHistory", "Engine", "Roles",
        "TerminalUI", "Kubernetes", "CurlHTTP", "Yams", "PackageAssets",
        .product(name: "Collections", package: "swift-collections"),
        .product(name: "Crypto", package: "swift-crypto"),
      ],
      swiftSettings: strict),
    .executableTarget(
      name: "ClusterMgrCLI",
      dependencies: [
        "ClusterOps", "TerminalUI", "Inventory", "Tailscale", "CurlHTTP", "SSHTransport", "Engine",
        "Roles",
        "RunHistory", "Basics", "PackageAssets",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
        .product(name: "Collections", package: "swift-collections"),
      ],
      swiftSettings: strict),
    .executableTarget(
      name: "BenchSite",
      dependencies: [
        "Engine", "Inventory", "Basics", "SSHTransport",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ],
      swiftSettings: strict),

    // MARK: - Testing support and tests
    .target(
      name: "ClusterMgrTesting",
      dependencies: ["SSHTransport", "Engine"],
      swiftSettings: strict),
    .testTarget(
      name: "BasicsTests", dependencies: ["Basics"], swiftSettings: strict),
    .testTarget(
      name: "SSHTransportTests",
      dependencies: [
        "SSHTransport", "ClusterMgrTesting", "Basics",
        .product(name: "Crypto", package: "swift-crypto"),
      ],
      swiftSettings: strict),
    .testTarget(
      name: "TailscaleTests",
      dependencies: [
        "Tailscale", "ClusterMgrTesting", "Basics",
        .product(name: "PropertyBased", package: "swift-property-based"),
      ],
      resources: [.copy("Fixtures")],
      swiftSettings: strict),
    .testTarget(
      name: "KubernetesTests",
      dependencies: ["Kubernetes", "CurlHTTP", "ClusterMgrTesting"],
      swiftSettings: strict),
    .testTarget(
      name: "InventoryTests",
      dependencies: [
        "Inventory", "ClusterMgrTesting", "Basics",
        .product(name: "PropertyBased", package: "swift-property-based"),
        .product(name: "CustomDump", package: "swift-custom-dump"),
        .product(name: "Collections", package: "swift-collections"),
      ],
      resources: [.copy("Fixtures")],
      swiftSettings: strict),
    .testTarget(
      name: "EngineTests",
      dependencies: ["Engine", "ClusterMgrTesting", "Basics", "SSHTransport"],
      swiftSettings: strict),
    .testTarget(
      name: "RolesTests",
      dependencies: ["Roles", "Engine", "ClusterMgrTesting", "Inventory", "Basics", "Yams", "Kubernetes"],
      swiftSettings: strict),
    .testTarget(
      name: "TerminalUITests", dependencies: ["TerminalUI"],
      resources: [.copy("Golden")],
      swiftSettings: strict),
    .testTarget(
      name: "RunHistoryTests",
      dependencies: ["RunHistory", "Basics", .product(name: "GRDB", package: "GRDB.swift")],
      swiftSettings: strict),
    .testTarget(
      name: "ClusterOpsTests",
      dependencies: [
        "ClusterOps", "ClusterMgrTesting", "Engine", "Inventory", "Tailscale", "TerminalUI",
        "RunHistory", "Basics", "Kubernetes",
        .product(name: "Collections", package: "swift-collections"),
      ],
      swiftSettings: strict),
    .testTarget(
      name: "PackagingTests",
      dependencies: ["PackageAssets", "Engine", "ClusterMgrTesting"],
      swiftSettings: strict),
    .testTarget(
      name: "EndToEndTests",
      dependencies: ["ClusterMgrTesting", "Inventory", "RunHistory", "Basics"],
      swiftSettings: strict),
  ]
)
