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

/// A configuration on free ports with quick timings.
func testConfiguration(defaultProvider: String = "fake") -> ControlPlaneConfiguration {
    var configuration = ControlPlaneConfiguration()
    configuration.grpcPort = 0
    configuration.httpPort = 0
    configuration.defaultProvider = defaultProvider
    configuration.heartbeatInterval = .seconds(1)
    configuration.provisionRetryBackoff = .milliseconds(100)
    configuration.dataDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("navarch-cp-\(UUID().uuidString)").path
    return configuration
}

/// Calls the node API the way an agent does.
func withNodeClient<T: Sendable>(
    _ endpoints: ControlPlaneEndpoints, _ body: (Navarch_V1_NodeService.Client<HTTP2ClientTransport.Posix>) async throws -> T
) async throws -> T {
    let transport = try HTTP2ClientTransport.Posix(target: .ipv4(address: "127.0.0.1", port: endpoints.grpcPort), transportSecurity: .plaintext)
    return try await withGRPCClient(transport: transport) { client in
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
        try await NavarchClient.with(server: endpoints.grpcAddress) { client in
            try await withNodeClient(endpoints) { agent in try await body(client, agent) }
        }
    }
}
