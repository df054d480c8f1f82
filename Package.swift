// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "clusterctl",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "clusterctl", targets: ["clusterctl"]),
        .library(name: "ClusterKit", targets: ["ClusterKit"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
    ],
    targets: [
        // C libraries, each wrapped once by a small Swift type in the module above it.
        .systemLibrary(name: "CCurl", path: "Sources/CCurl",
                       providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(name: "COpenSSL", path: "Sources/COpenSSL",
                       providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CLibSSH2", path: "Sources/CLibSSH2",
                       providers: [.apt(["libssh2-1-dev"])]),
        .systemLibrary(name: "CZlib", path: "Sources/CZlib",
                       providers: [.apt(["zlib1g-dev"])]),

        // HTTP over libcurl, with AWS-style retries.
        .target(name: "HTTPKit", dependencies: ["CCurl"]),
        // OpenSSL libcrypto, wrapped once: SHA-256, HMAC, ed25519 keys, X.509 certificates.
        .target(name: "OpenSSLKit", dependencies: ["COpenSSL"]),
        // SigV4, credentials, EC2 and S3 clients.
        .target(name: "AWSKit", dependencies: ["HTTPKit", "OpenSSLKit"]),
        // One SSH session over libssh2: auth, host keys, exec, SFTP, port forwarding
        // (libcrypto for the SHA256 fingerprints of known_hosts entries).
        .target(name: "SSHKit", dependencies: ["CLibSSH2", "OpenSSLKit"]),

        // The core: spec, state, reconcile, providers, runners, Dask runtime (zlib, wrapped
        // once in `Gzip`, packs the files it writes on nodes).
        .target(
            name: "ClusterKit",
            dependencies: [
                "HTTPKit", "AWSKit", "SSHKit", "OpenSSLKit", "CZlib",
                .product(name: "Yams", package: "Yams"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Logging", package: "swift-log"),
            ],
            resources: [.copy("templates")]
        ),
        // The command line: parsing and printing only.
        .executableTarget(
            name: "clusterctl",
            dependencies: [
                "ClusterKit",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        .testTarget(name: "ClusterKitTests", dependencies: ["ClusterKit"]),
        .testTarget(name: "HTTPKitTests", dependencies: ["HTTPKit"]),
        .testTarget(name: "AWSKitTests", dependencies: ["AWSKit", "HTTPKit", "OpenSSLKit"], exclude: ["Fixtures"]),
        .testTarget(name: "SSHKitTests", dependencies: ["SSHKit"]),
        .testTarget(name: "OpenSSLKitTests", dependencies: ["OpenSSLKit"]),
        .testTarget(name: "IntegrationTests", dependencies: ["ClusterKit"]),
    ],
    swiftLanguageModes: [.v6]
)
