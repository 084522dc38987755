import GRPCCore
import NavarchCore
import NavarchProto

/// The gRPC API node agents call.
struct NodeServiceHandler: Navarch_V1_NodeService.SimpleServiceProtocol {
    let fleet: FleetController
    let heartbeatInterval: Duration
    /// The health policy as sent to agents (rendered once).
    let healthPolicy: String
    /// Pools with a policy of their own (`pools.<name>.health`), rendered.
    var poolHealthPolicies: [String: String] = [:]

    func register(request: Navarch_V1_RegisterRequest, context: ServerContext) async throws -> Navarch_V1_RegisterResponse {
        try await mappingErrors {
            var registration = Registration(
                nodeID: request.nodeID, instanceID: request.instanceID, pool: request.pool,
                hostname: request.hostname, agentVersion: request.agentVersion, gpus: request.gpus.map(\.domain),
                labels: request.labels, health: request.health.domain ?? .unknown,
                healthReason: request.healthReason, joinToken: request.joinToken)
            registration.caller = try Self.caller()
            let (node, credential) = try await fleet.register(registration)
            var response = Navarch_V1_RegisterResponse()
            response.nodeID = node.id
            response.nodeCredential = credential ?? ""
            response.heartbeatIntervalMs = heartbeatInterval.milliseconds
            response.healthPolicy = poolHealthPolicies[node.pool] ?? healthPolicy
            return response
        }
    }

    func heartbeat(request: Navarch_V1_HeartbeatRequest, context: ServerContext) async throws -> Navarch_V1_HeartbeatResponse {
        try await mappingErrors {
            try await fleet.heartbeat(nodeID: request.nodeID, gpus: request.gpus.map(\.domain), caller: try Self.caller())
            return Navarch_V1_HeartbeatResponse()
        }
    }

    func reportHealth(request: Navarch_V1_ReportHealthRequest, context: ServerContext) async throws -> Navarch_V1_ReportHealthResponse {
        try await mappingErrors {
            guard let health = request.health.domain else {
                throw NavarchError.invalidArgument("health must be set")
            }
            try await fleet.reportHealth(
                nodeID: request.nodeID, caller: try Self.caller(), health: health, reason: request.reason,
                observations: request.observations.map(\.domain), gpus: request.gpus.map(\.domain))
            return Navarch_V1_ReportHealthResponse()
        }
    }

    func watchCommands(
        request: Navarch_V1_WatchCommandsRequest, response: RPCWriter<Navarch_V1_NodeCommand>, context: ServerContext
    ) async throws {
        let caller = try await mappingErrors { try Self.caller() }
        let live = fleet.connectCommands(nodeID: request.nodeID)
        let pending = try await mappingErrors { try await fleet.pendingCommands(for: request.nodeID, caller: caller) }
        var sent = Set<String>()
        for command in pending {
            try await response.write(Navarch_V1_NodeCommand(command))
            sent.insert(command.id)
        }
        for await command in live where !sent.contains(command.id) {
            try await response.write(Navarch_V1_NodeCommand(command))
            sent.insert(command.id)
        }
    }

    func acknowledgeCommand(
        request: Navarch_V1_AcknowledgeCommandRequest, context: ServerContext
    ) async throws -> Navarch_V1_AcknowledgeCommandResponse {
        try await mappingErrors {
            try await fleet.acknowledge(
                nodeID: request.nodeID, caller: try Self.caller(), commandID: request.commandID, success: request.success, message: request.message)
            return Navarch_V1_AcknowledgeCommandResponse()
        }
    }

    /// The node-API caller of this call (the interceptor let only nodes, admins and, for a
    /// first registration, anonymous callers through).
    static func caller() throws(NavarchError) -> NodeCaller {
        guard let caller = NodeCaller(CallPrincipal.current) else {
            throw NavarchError(.permissionDenied, "the node API is for node agents; \(CallPrincipal.current) is not one")
        }
        return caller
    }
}
