import Foundation
import NavarchClient
import NavarchCloudFakes
import NavarchControlPlane
import NavarchCore
import NavarchProviders
import NavarchStore
import Testing

/// The MCP server through the official Python MCP SDK (`Python/mcp_client.py`), over stdio
/// (`navarch mcp`) and over streamable HTTP (`/mcp`), against a live fleet.
@Suite(.serialized, .enabled(if: PeerPython.clients.unavailableReason == nil, "the MCP SDK cannot run: NAVARCH_CLIENT_PYTHON must name a Python with mcp (scripts/test.sh installs it)"))
struct MCPTests {
    static let client = GRPCInteropTests.root.appendingPathComponent("Tests/NavarchControlPlaneTests/Python/mcp_client.py").path
    static var navarch: String? {
        ProcessInfo.processInfo.environment["NAVARCH_BIN_DIR"].map { $0 + "/navarch" }.flatMap { FileManager.default.isExecutableFile(atPath: $0) ? $0 : nil }
    }

    /// What the client saw: the checks that failed, and the actors it recorded.
    struct Seen: Sendable {
        var failures: [String]
    }

    func withMCPFleet(_ body: @escaping @Sendable (ControlPlaneEndpoints) async throws -> Seen) async throws -> Seen {
        var configuration = testConfiguration()
        configuration.heartbeatInterval = .seconds(60)
        // A second provider named as a cloud, so that a preview can be priced from the catalog.
        let plane = ControlPlane(configuration: configuration, store: InMemoryStore()).with(provider: FakeProvider())
            .with(provider: FakeProvider(name: "aws"))
        return try await withControlPlane(plane) { endpoints in
            try await withNodeClient(endpoints) { agent in
                for index in 0..<4 { _ = try await agent.register(registration(node: "mcp-\(index)", instance: "")) }
            }
            try await NavarchClient.with(server: endpoints.grpcAddress, security: endpoints.admin) { client in
                _ = try await client.createPool(name: "train", gpuType: "h100", gpus: 16)
            }
            return try await body(endpoints)
        }
    }

    /// Runs the client against a fleet of `mcp-0` to `mcp-3` and the pool `train` of 2
    /// instances, with `aws` a configured provider whose machines the catalog prices.
    static func run(_ arguments: [String], _ endpoints: ControlPlaneEndpoints) async throws -> Seen {
        let (status, output) = try await PeerPython.clients.run(
            client, arguments + ["--pool", "train", "--nodes", "mcp-0,mcp-1,mcp-2,mcp-3", "--priced-provider", "aws"],
            environment: ["NAVARCH_TOKEN": endpoints.adminToken ?? "", "NAVARCH_INSECURE": "1"], timeout: .seconds(180))
        #expect(status == 0, "\(output.suffix(4000))")
        let line = try #require(output.split(separator: "\n").last, "\(output)")
        let seen = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "\(output.suffix(4000))")
        return Seen(failures: try #require(seen["failures"] as? [String], "\(output.suffix(4000))"))
    }

    @Test(.timeLimit(.minutes(4)))
    func theHTTPEndpointServesEveryToolAndRecordsTheAgent() async throws {
        let seen = try await withMCPFleet { endpoints in
            let seen = try await Self.run(["http", "http://127.0.0.1:\(endpoints.httpPort)/mcp"], endpoints)
            let events = try await NavarchClient.with(server: endpoints.grpcAddress, security: endpoints.admin) { try await $0.events(nodeID: "mcp-1") }
            #expect(events.contains { $0.kind == "node.cordoned" && $0.attributes["actor"] == "admin (via mcp:pytest-agent)" }, "\(events)")
            return seen
        }
        #expect(seen.failures.isEmpty, "\(seen.failures.joined(separator: "\n"))")
    }

    @Test(.timeLimit(.minutes(4)), .enabled(if: navarch != nil, "navarch mcp needs the navarch binary: NAVARCH_BIN_DIR (scripts/test.sh sets it)"))
    func navarchMCPOverStdioServesTheSameTools() async throws {
        let binary = try #require(Self.navarch)
        let seen = try await withMCPFleet { endpoints in
            try await Self.run(["stdio", binary, endpoints.grpcAddress], endpoints)
        }
        #expect(seen.failures.isEmpty, "\(seen.failures.joined(separator: "\n"))")
    }
}
