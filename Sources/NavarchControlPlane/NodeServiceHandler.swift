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
            let node = try await fleet.register(
                Registration(
                    nodeID: request.nodeID, instanceID: request.instanceID, pool: request.pool,
                    hostname: request.hostname, agentVersion: request.agentVersion, gpus: request.gpus.map(\.domain),
                    labels: request.labels, health: request.health.domain ?? .unknown,
                    healthReason: request.healthReason, joinToken: request.joinToken))
            var response = Navarch_V1_RegisterResponse()
            response.nodeID = node.id
            response.heartbeatIntervalMs = heartbeatInterval.milliseconds
            response.healthPolicy = poolHealthPolicies[node.pool] ?? healthPolicy
            return response
        }
    }

    func heartbeat(request: Navarch_V1_HeartbeatRequest, context: ServerContext) async throws -> Navarch_V1_HeartbeatResponse {
        try await mappingErrors {
            try await fleet.heartbeat(nodeID: request.nodeID, gpus: request.gpus.map(\.domain))
            return Navarch_V1_HeartbeatResponse()
        }
    }

    func reportHealth(request: Navarch_V1_ReportHealthRequest, context: ServerContext) async throws -> Navarch_V1_ReportHealthResponse {
        try await mappingErrors {
            guard let health = request.health.domain else {
                throw NavarchError.invalidArgument("health must be set")
            }
            try await fleet.reportHealth(
                nodeID: request.nodeID, health: health, reason: request.reason,
                observations: request.observations.map(\.domain), gpus: request.gpus.map(\.domain))
            return Navarch_V1_ReportHealthResponse()
        }
    }

    func watchCommands(
        request: Navarch_V1_WatchCommandsRequest, response: RPCWriter<Navarch_V1_NodeCommand>, context: ServerContext
    ) async throws {
        let live = fleet.connectCommands(nodeID: request.nodeID)
        let pending = try await mappingErrors { try await fleet.pendingCommands(for: request.nodeID) }
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
                nodeID: request.nodeID, commandID: request.commandID, success: request.success, message: request.message)
            return Navarch_V1_AcknowledgeCommandResponse()
        }
    }
}
