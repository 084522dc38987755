import GRPCCore
import NavarchCore
import NavarchHealth
import NavarchProto

/// The gRPC API the CLI and tools call. The interceptor has checked the caller's role; what
/// a change records as its actor is the caller's token name (``CallPrincipal``).
struct AdminServiceHandler: Navarch_V1_AdminService.SimpleServiceProtocol {
    let fleet: FleetController
    let access: AccessControl
    let version: String
    let defaultProvider: String
    let heartbeatInterval: Duration

    func listNodes(request: Navarch_V1_ListNodesRequest, context: ServerContext) async throws -> Navarch_V1_ListNodesResponse {
        try await mappingErrors {
            let query = try NodeQuery(
                pool: request.pool.isEmpty ? nil : request.pool, state: request.state.domain, health: request.health.domain,
                pageSize: Int(request.pageSize), pageToken: request.pageToken)
            let page = await fleet.listNodes(query)
            var response = Navarch_V1_ListNodesResponse()
            response.nodes = page.nodes.map { Navarch_V1_Node($0, gpuDetail: request.includeGpuDetail) }
            response.nextPageToken = page.nextPageToken ?? ""
            response.totalSize = Int32(clamping: page.total)
            return response
        }
    }

    func getNode(request: Navarch_V1_GetNodeRequest, context: ServerContext) async throws -> Navarch_V1_Node {
        try await mappingErrors { Navarch_V1_Node(try await fleet.node(request.nodeID)) }
    }

    func listInstances(request: Navarch_V1_ListInstancesRequest, context: ServerContext) async throws -> Navarch_V1_ListInstancesResponse {
        var response = Navarch_V1_ListInstancesResponse()
        response.instances = await fleet.listInstances(pool: request.pool.isEmpty ? nil : request.pool).map(Navarch_V1_Instance.init)
        return response
    }

    func listPools(request: Navarch_V1_ListPoolsRequest, context: ServerContext) async throws -> Navarch_V1_ListPoolsResponse {
        var response = Navarch_V1_ListPoolsResponse()
        response.pools = await fleet.listPools().map(Navarch_V1_Pool.init)
        response.counts = await fleet.poolCounts().mapValues(Navarch_V1_PoolCounts.init)
        return response
    }

    func createPool(request: Navarch_V1_CreatePoolRequest, context: ServerContext) async throws -> Navarch_V1_Pool {
        try await mappingErrors {
            Navarch_V1_Pool(
                try await fleet.createPool(
                    name: request.name, provider: request.provider, gpuType: request.gpuType, gpus: Int(request.gpus),
                    options: try PoolOptions(spot: request.spot, spotFallback: request.spotFallback, placement: request.placement),
                    minNodes: Int(request.minNodes), maxNodes: Int(request.maxNodes), labels: request.labels, actor: Self.actor))
        }
    }

    func scalePool(request: Navarch_V1_ScalePoolRequest, context: ServerContext) async throws -> Navarch_V1_Pool {
        try await mappingErrors {
            Navarch_V1_Pool(try await fleet.scalePool(name: request.name, desiredNodes: Int(request.desiredNodes), actor: Self.actor))
        }
    }

    func deletePool(request: Navarch_V1_DeletePoolRequest, context: ServerContext) async throws -> Navarch_V1_Pool {
        try await mappingErrors { Navarch_V1_Pool(try await fleet.deletePool(name: request.name, actor: Self.actor)) }
    }

    func cordonNode(request: Navarch_V1_CordonNodeRequest, context: ServerContext) async throws -> Navarch_V1_Node {
        try await mappingErrors { Navarch_V1_Node(try await fleet.cordon(nodeID: request.nodeID, reason: request.reason, actor: Self.actor(request.actor))) }
    }

    func drainNode(request: Navarch_V1_DrainNodeRequest, context: ServerContext) async throws -> Navarch_V1_Node {
        try await mappingErrors { Navarch_V1_Node(try await fleet.drain(nodeID: request.nodeID, reason: request.reason, actor: Self.actor(request.actor))) }
    }

    func uncordonNode(request: Navarch_V1_UncordonNodeRequest, context: ServerContext) async throws -> Navarch_V1_Node {
        try await mappingErrors { Navarch_V1_Node(try await fleet.uncordon(nodeID: request.nodeID, force: request.force, reason: request.reason, actor: Self.actor(request.actor))) }
    }

    func listEvents(request: Navarch_V1_ListEventsRequest, context: ServerContext) async throws -> Navarch_V1_ListEventsResponse {
        try await mappingErrors {
            guard request.limit >= 0 else { throw NavarchError.invalidArgument("limit must not be negative") }
            var response = Navarch_V1_ListEventsResponse()
            response.events = try await fleet.listEvents(
                after: request.afterSequence, limit: request.limit == 0 ? 1000 : Int(request.limit),
                nodeID: request.nodeID.isEmpty ? nil : request.nodeID, pool: request.pool.isEmpty ? nil : request.pool
            ).map(Navarch_V1_Event.init)
            return response
        }
    }

    func watchEvents(
        request: Navarch_V1_WatchEventsRequest, response: RPCWriter<Navarch_V1_Event>, context: ServerContext
    ) async throws {
        try await mappingErrors {
            let lease = try access.openStream(for: CallPrincipal.current)
            defer { lease.close() }
            try await fleet.followEvents(
                after: request.afterSequence, nodeID: request.nodeID.isEmpty ? nil : request.nodeID,
                pool: request.pool.isEmpty ? nil : request.pool
            ) { try await response.write(Navarch_V1_Event($0)) }
        }
    }

    func getHealthPolicy(request: Navarch_V1_GetHealthPolicyRequest, context: ServerContext) async throws -> Navarch_V1_HealthPolicyDocument {
        var document = Navarch_V1_HealthPolicyDocument()
        document.yaml = HealthPolicyFile.render(await fleet.configuration.healthPolicy)
        return document
    }

    func runDiagnostic(request: Navarch_V1_RunDiagnosticRequest, context: ServerContext) async throws -> Navarch_V1_RunDiagnosticResponse {
        try await mappingErrors {
            let (node, commandID) = try await fleet.runDiagnostic(
                nodeID: request.nodeID, suite: request.suite.isEmpty ? "dcgm" : request.suite, level: Int(request.level), actor: Self.actor)
            var response = Navarch_V1_RunDiagnosticResponse()
            response.commandID = commandID
            response.node = Navarch_V1_Node(node)
            return response
        }
    }

    func getServerInfo(request: Navarch_V1_GetServerInfoRequest, context: ServerContext) async throws -> Navarch_V1_ServerInfo {
        var info = Navarch_V1_ServerInfo()
        info.version = version
        info.defaultProvider = defaultProvider
        info.providers = await fleet.providerNames
        info.startedAtUnixMs = Timestamp.unixMilliseconds(fleet.startedAt)
        info.heartbeatIntervalMs = heartbeatInterval.milliseconds
        info.breakers = await fleet.breakerList().map(Navarch_V1_Breaker.init)
        return info
    }

    func resetBreaker(request: Navarch_V1_ResetBreakerRequest, context: ServerContext) async throws -> Navarch_V1_ResetBreakerResponse {
        try await mappingErrors {
            var response = Navarch_V1_ResetBreakerResponse()
            response.reset = try await fleet.resetBreakers(scope: request.scope, actor: Self.actor(request.actor)).map(Navarch_V1_Breaker.init)
            return response
        }
    }

    func reportQueue(request: Navarch_V1_ReportQueueRequest, context: ServerContext) async throws -> Navarch_V1_Pool {
        try await mappingErrors {
            Navarch_V1_Pool(
                try await fleet.reportQueue(pool: request.pool, depth: Int(request.depth), nodeJobs: request.nodeJobs.mapValues(Int.init), actor: Self.actor))
        }
    }

    func createToken(request: Navarch_V1_CreateTokenRequest, context: ServerContext) async throws -> Navarch_V1_CreateTokenResponse {
        try await mappingErrors {
            guard let role = Role(rawValue: request.role) else {
                throw NavarchError.invalidArgument("role '\(request.role)' is not one of viewer, operator, admin")
            }
            guard request.lifetimeSeconds >= 0 else { throw NavarchError.invalidArgument("lifetime_seconds must not be negative") }
            let (token, secret) = try await access.createToken(
                name: request.name, role: role, lifetime: request.lifetimeSeconds == 0 ? nil : .seconds(request.lifetimeSeconds), actor: Self.actor)
            await fleet.audit("token.created", "token '\(token.name)' (\(token.role.rawValue)) created", actor: Self.actor)
            var response = Navarch_V1_CreateTokenResponse()
            response.token = Navarch_V1_Token(token)
            response.secret = secret
            return response
        }
    }

    func listTokens(request: Navarch_V1_ListTokensRequest, context: ServerContext) async throws -> Navarch_V1_ListTokensResponse {
        var response = Navarch_V1_ListTokensResponse()
        response.tokens = access.tokens.map(Navarch_V1_Token.init)
        return response
    }

    func revokeToken(request: Navarch_V1_RevokeTokenRequest, context: ServerContext) async throws -> Navarch_V1_Token {
        try await mappingErrors {
            let token = try await access.revokeToken(name: request.name)
            await fleet.audit("token.revoked", "token '\(token.name)' (\(token.role.rawValue)) revoked", actor: Self.actor)
            return Navarch_V1_Token(token)
        }
    }

    func whoAmI(request: Navarch_V1_WhoAmIRequest, context: ServerContext) async throws -> Navarch_V1_WhoAmIResponse {
        var response = Navarch_V1_WhoAmIResponse()
        let principal = CallPrincipal.current
        response.name = principal.actorName
        response.role = principal.role?.rawValue ?? (principal.actorName.hasPrefix("node:") ? "node" : "")
        return response
    }

    /// The actor recorded for the call's changes: the caller's token name.
    static var actor: String { CallPrincipal.current.actorName }

    /// The caller's token name, with what the call says it acts through (an MCP client's
    /// name) after it: the authenticated name always comes first.
    static func actor(_ said: String) -> String {
        said.isEmpty || said == actor ? actor : "\(actor) (via \(said))"
    }
}
