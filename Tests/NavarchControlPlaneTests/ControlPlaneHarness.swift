import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import NavarchClient
import NavarchControlPlane
import NavarchCore
import NavarchProto
import NavarchProviders
import NavarchTesting
import NavarchStore
import Synchronization

/// Runs a control plane in-process on free ports for the duration of `body`.
func withControlPlane<T: Sendable>(
    _ plane: ControlPlane, _ body: @Sendable (ControlPlaneEndpoints) async throws -> T
) async throws -> T {
    let (ready, readyContinuation) = AsyncStream<ControlPlaneEndpoints>.makeStream()
    return try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask {
            defer { readyContinuation.finish() }
            try await plane.run(signals: []) { readyContinuation.yield($0) }
        }
        var iterator = ready.makeAsyncIterator()
        guard let endpoints = await iterator.next() else {
            try await group.next()  // the error that stopped the start
            throw NavarchError(.internal, "control plane did not start")
        }
        TestCredentials.remember(endpoints)
        do {
            let result = try await body(endpoints)
            group.cancelAll()
            return result
        } catch {
            group.cancelAll()
            throw error
        }
    }
}

/// A configuration on free ports with quick timings, served in plaintext (tokens and node
/// credentials are still required; `SecurityTests` and the CLI's end-to-end tests run TLS).
func testConfiguration(defaultProvider: String = "fake") -> ControlPlaneConfiguration {
    var configuration = ControlPlaneConfiguration()
    configuration.insecure = true
    configuration.grpcPort = 0
    configuration.httpPort = 0
    configuration.defaultProvider = defaultProvider
    configuration.heartbeatInterval = .seconds(1)
    configuration.provisionRetryBackoff = .milliseconds(100)
    configuration.dataDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("navarch-cp-\(UUID().uuidString)").path
    return configuration
}

/// Calls the node API the way an agent does; as the admin (who may act for any node) unless
/// `security` says otherwise.
func withNodeClient<T: Sendable>(
    _ endpoints: ControlPlaneEndpoints, as security: ClientSecurity? = nil,
    _ body: (Navarch_V1_NodeService.Client<HTTP2ClientTransport.Posix>) async throws -> T
) async throws -> T {
    let security = security ?? endpoints.admin
    let transport = try security.transport(host: "127.0.0.1", port: endpoints.grpcPort)
    return try await withGRPCClient(transport: transport, interceptors: security.interceptors) { client in
        try await body(Navarch_V1_NodeService.Client(wrapping: client))
    }
}

func registration(node: String, instance: String, gpus: Int = 8) -> Navarch_V1_RegisterRequest {
    var request = Navarch_V1_RegisterRequest()
    request.nodeID = node
    request.instanceID = instance
    request.agentVersion = "test"
    request.health = .healthy
    request.gpus = (0..<gpus).map { index in
        var gpu = Navarch_V1_GPU()
        gpu.index = Int32(index)
        gpu.uuid = "GPU-\(node)-\(index)"
        gpu.model = "NVIDIA H100 80GB HBM3"
        gpu.pciBusID = "00000000:\(18 + index):00.0"
        gpu.health = .healthy
        return gpu
    }
    return request
}

/// Runs a control plane and gives `body` an admin client (as the CLI uses) and a node-API
/// client (as agents use).
func withFleet<T: Sendable>(
    _ plane: ControlPlane,
    _ body: @escaping @Sendable (NavarchClient, Navarch_V1_NodeService.Client<HTTP2ClientTransport.Posix>) async throws -> T
) async throws -> T {
    try await withControlPlane(plane) { endpoints in
        try await NavarchClient.with(server: endpoints.grpcAddress, security: endpoints.admin) { client in
            try await withNodeClient(endpoints) { agent in try await body(client, agent) }
        }
    }
}

/// The admin token each running test control plane wrote, by its ports, so that helpers given
/// only a port (HTTP requests) can authenticate.
enum TestCredentials {
    private static let tokens = Mutex<[Int: String]>([:])

    static func remember(_ endpoints: ControlPlaneEndpoints) {
        let token = (try? String(contentsOfFile: endpoints.adminTokenPath, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
        tokens.withLock { $0[endpoints.httpPort] = token; $0[endpoints.grpcPort] = token }
    }

    /// The admin token of the control plane listening on `port` (HTTP or gRPC).
    static func adminToken(port: Int) -> String? { tokens.withLock { $0[port] } }
}

extension ControlPlaneEndpoints {
    /// The admin token its first start wrote.
    var adminToken: String? { (try? String(contentsOfFile: adminTokenPath, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) }

    /// How a test client calls it as the admin.
    var admin: ClientSecurity { clientSecurity(credential: adminToken) }
}
