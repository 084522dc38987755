// swift-tools-version:6.2
import PackageDescription

let package = Package(
    name: "navarch",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "navarch", targets: ["navarch"]),
        .executable(name: "navarch-control-plane", targets: ["navarch-control-plane"]),
        .executable(name: "navarch-node", targets: ["navarch-node"]),
        // Test-only: a stand-in for libnvidia-ml.so (see Sources/FakeNVML).
        .library(name: "nvidia-ml", type: .dynamic, targets: ["FakeNVML"]),
        // Test-only: a stand-in for libcuda.so (see Sources/FakeCUDA).
        .library(name: "cuda", type: .dynamic, targets: ["FakeCUDA"]),
    ],
    dependencies: [
        .package(url: "https://github.com/grpc/grpc-swift-2.git", from: "2.4.3"),
        .package(url: "https://github.com/grpc/grpc-swift-nio-transport.git", from: "2.9.2"),
        .package(url: "https://github.com/grpc/grpc-swift-protobuf.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-protobuf.git", from: "1.39.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-http2.git", from: "1.46.0"),
        .package(url: "https://github.com/modelcontextprotocol/swift-sdk.git", exact: "0.12.1"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.7.4"),
    ],
    targets: [
        // Domain model, extension protocols and the pure decision logic. Imports nothing of ours.
        .target(name: "NavarchCore"),
        // Starting and waiting for processes, off the cooperative pool: the agent's tools, the
        // local provider's machines, the Slurm coordinator's scontrol.
        .target(name: "NavarchProcess"),
        // Generated protobuf + gRPC code (committed) and conversions to and from the domain.
        .target(
            name: "NavarchProto",
            dependencies: [
                "NavarchCore",
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ]
        ),
        // Kernel-log parsing, the XID catalog, the health policy and GPU tool output parsers.
        .target(name: "NavarchHealth", dependencies: ["NavarchCore", .product(name: "Yams", package: "Yams")]),
        // The Store protocol with its SQLite and in-memory implementations.
        .target(
            name: "NavarchStore",
            dependencies: ["NavarchCore", .product(name: "GRDB", package: "GRDB.swift")]
        ),
        // Providers: local (real child processes) and fake (in-process).
        .target(
            name: "NavarchProviders",
            dependencies: [
                "NavarchCore", "NavarchProcess", .product(name: "Logging", package: "swift-log"), .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ]
        ),
        // The control plane: gRPC services, HTTP API, heartbeat monitor, reconciler.
        .target(
            name: "NavarchControlPlane",
            dependencies: [
                "NavarchCore", "NavarchProto", "NavarchStore", "NavarchHealth", "NavarchMCP", "NavarchClient",
                .product(name: "MCP", package: "swift-sdk"),
                .product(name: "X509", package: "swift-certificates"), .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "HummingbirdTLS", package: "hummingbird"), .product(name: "HummingbirdCore", package: "hummingbird"), .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
                .product(name: "GRPCInProcessTransport", package: "grpc-swift-2"),
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP2", package: "swift-nio-http2"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // The node agent.
        .target(
            name: "NavarchNode",
            dependencies: [
                "NavarchCore", "NavarchProcess", "NavarchProto", "NavarchHealth", "NavarchNVML", "NavarchClient",
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ]
        ),
        // The typed client used by the CLI and tests.
        .target(
            name: "NavarchClient",
            dependencies: [
                "NavarchCore", "NavarchProto",
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
            ]
        ),
        // The command-line interface.
        .target(
            name: "NavarchCLI",
            dependencies: [
                "NavarchCore", "NavarchClient", "NavarchControlPlane", "NavarchProviders", "NavarchNode",
                "NavarchStore", "NavarchHealth", "NavarchNotifiers", "NavarchCoordinators", "NavarchSimulator", "NavarchMCP",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "MCP", package: "swift-sdk"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // The MCP server: Navarch's tools and resources for AI agents, answered over gRPC.
        .target(
            name: "NavarchMCP",
            dependencies: [
                "NavarchCore", "NavarchClient", "NavarchHealth", .product(name: "MCP", package: "swift-sdk"),
            ]
        ),
        // NVML's C types and constants (no code, nothing linked).
        .target(name: "CNVML"),
        // NVIDIA's management library, loaded with dlopen at run time.
        .target(name: "NavarchNVML", dependencies: ["CNVML", "NavarchCore", "NavarchHealth"]),
        // A test-only libnvidia-ml.so with NVML's ABI, built as a shared library for tests.
        .target(name: "FakeNVML"),
        // A test-only libcuda.so with the CUDA driver API's ABI for the memory round trip.
        .target(name: "FakeCUDA"),
        // Test support: fake clouds and metadata services on real loopback HTTP, and moto_server.
        .target(
            name: "NavarchCloudFakes",
            dependencies: [
                "NavarchCore", "NavarchProcess", .product(name: "Hummingbird", package: "hummingbird"), .product(name: "Logging", package: "swift-log"),
                .product(name: "HTTPTypes", package: "swift-http-types"), .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ]
        ),
        // Test support: manual clock and fixtures.
        .target(name: "NavarchTesting", dependencies: ["NavarchCore", .product(name: "Logging", package: "swift-log")]),
        .target(
            name: "NavarchCoordinators",
            dependencies: [
                "NavarchCore", "NavarchProcess", "NavarchNotifiers", .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"), .product(name: "Yams", package: "Yams"),
            ]),
        .target(
            name: "NavarchNotifiers",
            dependencies: [
                "NavarchCore", "NavarchHealth", .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]),

        // The fleet simulator: the brain in virtual time against a simulated world.
        .target(name: "NavarchSimulator", dependencies: ["NavarchCore", "NavarchHealth", .product(name: "Yams", package: "Yams")]),
        .executableTarget(name: "navarch", dependencies: ["NavarchCLI", "NavarchControlPlane"]),
        .executableTarget(name: "navarch-control-plane", dependencies: ["NavarchCLI", "NavarchControlPlane"]),
        .executableTarget(name: "navarch-node", dependencies: ["NavarchNode"]),
        // examples/cost-scheduler: a custom Scheduler, compiled with everything else.
        .executableTarget(name: "cost-scheduler-example", dependencies: ["NavarchCore"], path: "examples/cost-scheduler", exclude: ["README.md"]),
        // Decision-core throughput at 10,000 and 100,000 nodes (benchmarks/README.md).
        .executableTarget(name: "navarch-brain-bench", dependencies: ["NavarchCore"], path: "benchmarks/brain"),
        // The simulator at 1,000 to 100,000 nodes over a simulated week (benchmarks/README.md).
        .executableTarget(
            name: "navarch-sim-bench", dependencies: ["NavarchSimulator"], path: "benchmarks/simulator",
            exclude: ["run.sh"]),

        .testTarget(name: "NavarchCoreTests", dependencies: ["NavarchCore", "NavarchTesting"]),
        .testTarget(name: "NavarchProcessTests", dependencies: ["NavarchProcess"]),
        .testTarget(name: "NavarchSimulatorTests", dependencies: ["NavarchSimulator", "NavarchCore"], resources: [.copy("Fixtures")]),
        .testTarget(name: "NavarchHealthTests", dependencies: ["NavarchHealth"], resources: [.copy("Fixtures")]),
        .testTarget(name: "NavarchStoreTests", dependencies: ["NavarchStore", "NavarchTesting"]),
        .testTarget(
            name: "NavarchProvidersTests", dependencies: ["NavarchProviders", "NavarchTesting", "NavarchCloudFakes"],
            resources: [.copy("Fixtures")]),
        .testTarget(
            name: "NavarchControlPlaneTests",
            dependencies: [
                "NavarchControlPlane", "NavarchClient", "NavarchProviders", "NavarchStore", "NavarchProto",
                "NavarchTesting", "NavarchCloudFakes", "NavarchNotifiers", "NavarchCoordinators", "NavarchHealth", "NavarchProcess", .product(name: "Yams", package: "Yams"),
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            exclude: ["Python"]
        ),
        .testTarget(
            name: "NavarchNodeTests", dependencies: ["NavarchNode", "NavarchProcess", "NavarchTesting", "NavarchCloudFakes"], resources: [.copy("Fixtures")]),
        .testTarget(
            name: "NavarchCLITests",
            dependencies: [
                "NavarchCLI", "NavarchClient", "NavarchProviders", "NavarchTesting", "NavarchCloudFakes", "NavarchProcess", "NavarchProto",
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
            ]),
    ]
)
