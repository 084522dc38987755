import Foundation
import Logging
import NavarchCloudFakes
import NavarchControlPlane
import NavarchCore
import NavarchProviders
import NavarchStore
import NavarchTesting
import Testing

/// The gRPC server against the reference gRPC implementation: Python `grpcio` with a client
/// generated from `proto/navarch/v1` (`Python/grpc_client.py`).
@Suite(.enabled(if: PeerPython.clients.unavailableReason == nil, "grpcio cannot run: NAVARCH_CLIENT_PYTHON must name a Python with grpcio and grpcio-tools (scripts/test.sh installs them)"))
struct GRPCInteropTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let client = root.appendingPathComponent("Tests/NavarchControlPlaneTests/Python/grpc_client.py").path
    static let proto = root.appendingPathComponent("proto").path

    /// What the client printed: its figures, or the GOAWAY it was sent.
    struct Answer: Decodable, Sendable {
        var calls: Int?
        var failed: Int?
        var failures: [String: Int]?
        var details: [String]?
        var callsPerS: Double?
        var goaway: Int?
        var localPort: Int?
    }

    func run(_ endpoints: ControlPlaneEndpoints, _ arguments: [String]) async throws -> Answer {
        let (status, output) = try await PeerPython.clients.run(
            Self.client, [Self.proto, "127.0.0.1:\(endpoints.grpcPort)"] + arguments,
            environment: ["NAVARCH_TOKEN": endpoints.adminToken ?? ""], timeout: .seconds(240))
        #expect(status == 0, "\(output)")
        let line = try #require(output.split(separator: "\n").last, "\(output)")
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try decoder.decode(Answer.self, from: Data(line.utf8))
    }

    /// 128 calls at once on each connection: more than the 100 streams the HTTP/2 handler
    /// allows when the server advertises no limit, which used to close every connection with
    /// GOAWAY PROTOCOL_ERROR and fail its calls UNAVAILABLE.
    @Test(.timeLimit(.minutes(5)))
    func fiveHundredTwelveConcurrentCallsOverFourConnectionsAllSucceed() async throws {
        let plane = ControlPlane(configuration: testConfiguration(), store: InMemoryStore()).with(provider: FakeProvider())
        let result = try await withControlPlane(plane) { endpoints in
            try await run(endpoints, ["concurrency", "--calls", "512", "--connections", "4"])
        }
        #expect(result.calls == 1024)
        #expect(result.failed == 0, "\(result)")
    }

    /// A client that breaks HTTP/2 gets GOAWAY PROTOCOL_ERROR, and the server says so, naming
    /// the peer.
    @Test(.timeLimit(.minutes(2)))
    func aProtocolViolationIsAnsweredAndLoggedWithThePeer() async throws {
        let records = Recorder<RecordingLogHandler.Record>()
        let plane = ControlPlane(configuration: testConfiguration(), store: InMemoryStore(), logger: .recording(into: records))
            .with(provider: FakeProvider())
        let result = try await withControlPlane(plane) { endpoints in
            let result = try await run(endpoints, ["violate"])
            // The log line is written as the connection fails, before the GOAWAY reaches the client.
            try await eventually("the connection failure is logged") { records.values.contains { $0.message.contains("gRPC client connection failed") } }
            return result
        }
        #expect(result.goaway == 1, "\(result)")
        let warning = try #require(records.values.first { $0.message == "gRPC client connection failed" })
        #expect(warning.level == .warning)
        let port = try #require(result.localPort)
        #expect(warning.metadata["peer"]?.contains(":\(port)") == true, "\(warning.metadata)")
    }
}
