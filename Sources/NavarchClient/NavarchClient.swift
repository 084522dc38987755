import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import NavarchCore
import NavarchProto

/// A typed client of the control plane's admin API, for the CLI, tools and tests.
/// Errors come back as ``NavarchError`` with a message fit for a person.
public struct NavarchClient: Sendable {
    let admin: any Navarch_V1_AdminService.ClientProtocol
    /// The `host:port` this client talks to.
    public let server: String
    let timeout: Duration

    /// Connects to `server` (`host:port`), runs `body`, then closes the connection.
    public static func with<Result: Sendable>(
        server: String, security: ClientSecurity, timeout: Duration = .seconds(15), _ body: (NavarchClient) async throws -> Result
    ) async throws -> Result {
        let (host, port) = try parse(server)
        let transport = try security.transport(host: host, port: port)
        return try await withGRPCClient(transport: transport, interceptors: security.interceptors) { grpc in
            let client = NavarchClient(running: grpc, server: server, timeout: timeout)
            return try await body(client)
        }
    }

    /// A client over an already running `grpc` client (any transport: the control plane's own
    /// MCP endpoint reaches its gRPC API in-process); `server` names it in messages.
    public init(running grpc: GRPCClient<some ClientTransport>, server: String, timeout: Duration = .seconds(15)) {
        self.init(admin: Navarch_V1_AdminService.Client(wrapping: grpc), server: server, timeout: timeout)
    }

    init(admin: any Navarch_V1_AdminService.ClientProtocol, server: String, timeout: Duration) {
        self.admin = admin
        self.server = server
        self.timeout = timeout
    }

    /// Splits `host:port`.
    public static func parse(_ server: String) throws -> (host: String, port: Int) {
        guard let colon = server.lastIndex(of: ":"), colon != server.startIndex,
              let port = Int(server[server.index(after: colon)...]), (1...65535).contains(port)
        else { throw NavarchError.invalidArgument("server address '\(server)' is not host:port") }
        var host = String(server[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return (host, port)
    }

    var options: CallOptions {
        var options = CallOptions.defaults
        options.timeout = timeout
        return options
    }

    func call<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        do { return try await body() } catch let error as RPCError {
            throw translate(error)
        }
    }

    func translate(_ error: RPCError) -> NavarchError {
        switch error.code {
        case .unavailable:
            return NavarchError(.unavailable, "cannot reach the control plane at \(server): is `navarch serve` running?")
        case .deadlineExceeded:
            return NavarchError(.unavailable, "the control plane at \(server) did not answer in time")
        case .unauthenticated:
            return NavarchError(.unauthenticated, "\(error.message) (set NAVARCH_TOKEN or ~/.config/navarch/token; `navarch token create` makes one)")
        case .permissionDenied: return NavarchError(.permissionDenied, error.message)
        case .resourceExhausted: return NavarchError(.resourceExhausted, error.message)
        case .notFound: return .notFound(error.message)
        case .invalidArgument: return .invalidArgument(error.message)
        case .alreadyExists: return .alreadyExists(error.message)
        case .failedPrecondition: return .failedPrecondition(error.message)
        default: return NavarchError(.internal, "\(error.code): \(error.message)")
        }
    }

    /// One page of the nodes the filters match, in natural order of their ids. Without
    /// `gpuDetail` a GPU carries only its index, UUID, model and health.
    public func nodePage(
        pool: String? = nil, state: NodeState? = nil, health: HealthStatus? = nil, pageSize: Int = 0, pageToken: String = "",
        gpuDetail: Bool = false
    ) async throws -> NodePage {
        var request = Navarch_V1_ListNodesRequest()
        request.pool = pool ?? ""
        request.state = state.map(Navarch_V1_NodeState.init) ?? .unspecified
        request.health = health.map(Navarch_V1_HealthStatus.init) ?? .unspecified
        request.pageSize = Int32(clamping: pageSize)
        request.pageToken = pageToken
        request.includeGpuDetail = gpuDetail
        return try await call {
            let response = try await admin.listNodes(request, options: options)
            return NodePage(
                nodes: response.nodes.map(\.domain), nextPageToken: response.nextPageToken.isEmpty ? nil : response.nextPageToken,
                total: Int(response.totalSize))
        }
    }

    /// Every node the filters match, a page at a time: `body` is given each page as it comes.
    public func forEachNodePage(
        pool: String? = nil, state: NodeState? = nil, health: HealthStatus? = nil, pageSize: Int = 0, gpuDetail: Bool = false,
        _ body: (NodePage) async throws -> Void
    ) async throws {
        var token = ""
        repeat {
            let page = try await nodePage(pool: pool, state: state, health: health, pageSize: pageSize, pageToken: token, gpuDetail: gpuDetail)
            try await body(page)
            token = page.nextPageToken ?? ""
        } while !token.isEmpty
    }

    /// Every node the filters match, fetched a page at a time.
    public func nodes(pool: String? = nil, state: NodeState? = nil, health: HealthStatus? = nil, gpuDetail: Bool = false) async throws -> [Node] {
        var nodes: [Node] = []
        try await forEachNodePage(pool: pool, state: state, health: health, gpuDetail: gpuDetail) { nodes += $0.nodes }
        return nodes
    }

    public func node(_ id: String) async throws -> Node {
        var request = Navarch_V1_GetNodeRequest()
        request.nodeID = id
        return try await call { try await admin.getNode(request, options: options).domain }
    }

    public func instances(pool: String? = nil) async throws -> [Instance] {
        var request = Navarch_V1_ListInstancesRequest()
        request.pool = pool ?? ""
        return try await call { try await admin.listInstances(request, options: options).instances.map(\.domain) }
    }

    public func pools() async throws -> [Pool] {
        try await call { try await admin.listPools(Navarch_V1_ListPoolsRequest(), options: options).pools.map(\.domain) }
    }

    /// The pools, with how many of each pool's nodes are registered and serving (by pool name,
    /// "" for nodes in no pool).
    public func poolsWithCounts() async throws -> (pools: [Pool], counts: [String: PoolCounts]) {
        try await call {
            let response = try await admin.listPools(Navarch_V1_ListPoolsRequest(), options: options)
            return (response.pools.map(\.domain), response.counts.mapValues(\.domain))
        }
    }

    public func createPool(
        name: String, gpuType: String, gpus: Int, provider: String = "", poolOptions: PoolOptions = PoolOptions(),
        minNodes: Int = 0, maxNodes: Int = 0, labels: [String: String] = [:]
    ) async throws -> Pool {
        var request = Navarch_V1_CreatePoolRequest()
        request.minNodes = Int32(clamping: minNodes)
        request.maxNodes = Int32(clamping: maxNodes)
        request.labels = labels
        request.spot = poolOptions.spot
        request.spotFallback = poolOptions.spotFallback.rawValue
        request.placement = poolOptions.placement.rawValue
        request.name = name
        request.gpuType = gpuType
        request.gpus = Int32(clamping: gpus)
        request.provider = provider
        return try await call { try await admin.createPool(request, options: options).domain }
    }

    public func scalePool(name: String, desiredNodes: Int) async throws -> Pool {
        var request = Navarch_V1_ScalePoolRequest()
        request.name = name
        request.desiredNodes = Int32(clamping: desiredNodes)
        return try await call { try await admin.scalePool(request, options: options).domain }
    }

    public func deletePool(name: String) async throws -> Pool {
        var request = Navarch_V1_DeletePoolRequest()
        request.name = name
        return try await call { try await admin.deletePool(request, options: options).domain }
    }

    public func cordon(_ nodeID: String, reason: String, actor: String = NavarchClient.actor) async throws -> Node {
        var request = Navarch_V1_CordonNodeRequest()
        request.nodeID = nodeID
        request.reason = reason
        request.actor = actor
        return try await call { try await admin.cordonNode(request, options: options).domain }
    }

    public func drain(_ nodeID: String, reason: String, actor: String = NavarchClient.actor) async throws -> Node {
        var request = Navarch_V1_DrainNodeRequest()
        request.nodeID = nodeID
        request.reason = reason
        request.actor = actor
        return try await call { try await admin.drainNode(request, options: options).domain }
    }

    /// Puts a node back in service; an unhealthy one or one under repair needs `force`.
    public func uncordon(_ nodeID: String, force: Bool = false, reason: String = "", actor: String = NavarchClient.actor) async throws -> Node {
        var request = Navarch_V1_UncordonNodeRequest()
        request.nodeID = nodeID
        request.force = force
        request.reason = reason
        request.actor = actor
        return try await call { try await admin.uncordonNode(request, options: options).domain }
    }

    public func events(after sequence: Int64 = 0, limit: Int = 1000, nodeID: String? = nil, pool: String? = nil) async throws -> [FleetEvent] {
        var request = Navarch_V1_ListEventsRequest()
        request.afterSequence = sequence
        request.limit = Int32(clamping: limit)
        request.nodeID = nodeID ?? ""
        request.pool = pool ?? ""
        return try await call { try await admin.listEvents(request, options: options).events.map(\.domain) }
    }

    /// Calls `onEvent` for every event after `sequence`, then for live ones, until `onEvent`
    /// returns false or the connection ends.
    public func watchEvents(
        after sequence: Int64 = 0, nodeID: String? = nil, pool: String? = nil,
        onEvent: @escaping @Sendable (FleetEvent) async throws -> Bool
    ) async throws {
        var request = Navarch_V1_WatchEventsRequest()
        request.afterSequence = sequence
        request.nodeID = nodeID ?? ""
        request.pool = pool ?? ""
        try await call {
            try await admin.watchEvents(request) { response in
                for try await event in response.messages {
                    if try await !onEvent(event.domain) { return }
                }
            }
        }
    }

    public func serverInfo() async throws -> ServerInfo {
        try await call {
            let info = try await admin.getServerInfo(Navarch_V1_GetServerInfoRequest(), options: options)
            return ServerInfo(
                version: info.version, defaultProvider: info.defaultProvider, providers: info.providers,
                startedAt: Timestamp.date(unixMilliseconds: info.startedAtUnixMs),
                heartbeatInterval: .milliseconds(info.heartbeatIntervalMs), breakers: info.breakers.map(BreakerStatus.init))
        }
    }

    /// Closes open circuit breakers (`fleet`, a pool name, or empty for all); returns those closed.
    public func resetBreaker(scope: String = "", actor: String = NavarchClient.actor) async throws -> [BreakerStatus] {
        var request = Navarch_V1_ResetBreakerRequest()
        request.scope = scope
        request.actor = actor
        return try await call { try await admin.resetBreaker(request, options: options).reset.map(BreakerStatus.init) }
    }

    /// Reports a pool's waiting jobs (and running jobs per node) for its queue autoscaler.
    public func reportQueue(pool: String, depth: Int, nodeJobs: [String: Int] = [:]) async throws -> Pool {
        var request = Navarch_V1_ReportQueueRequest()
        request.pool = pool
        request.depth = Int32(clamping: depth)
        request.nodeJobs = nodeJobs.mapValues { Int32(clamping: $0) }
        return try await call { try await admin.reportQueue(request, options: options).domain }
    }

    /// Who this client says it is in audit records: `operator:$USER`.
    public static var actor: String {
        let user = ProcessInfo.processInfo.environment["USER"] ?? ProcessInfo.processInfo.environment["LOGNAME"] ?? ""
        return user.isEmpty ? "operator" : "operator:\(user)"
    }
}

/// A circuit breaker as the control plane reports it.
public struct BreakerStatus: Sendable, Equatable, Codable {
    public var scope: String
    public var open: Bool
    public var reason: String
    public var since: Date?

    init(_ breaker: Navarch_V1_Breaker) {
        scope = breaker.scope
        open = breaker.open
        reason = breaker.reason
        since = breaker.open ? Timestamp.date(unixMilliseconds: breaker.sinceUnixMs) : nil
    }
}

/// What the control plane says about itself.
public struct ServerInfo: Sendable, Equatable {
    public var version: String
    public var defaultProvider: String
    public var providers: [String]
    public var startedAt: Date
    public var heartbeatInterval: Duration
    /// Every circuit breaker, the fleet's first.
    public var breakers: [BreakerStatus]
}

extension NavarchClient {
    /// The health policy in force at the control plane, as YAML.
    public func healthPolicyYAML() async throws -> String {
        try await call { try await admin.getHealthPolicy(Navarch_V1_GetHealthPolicyRequest(), options: options).yaml }
    }

    /// Starts an active diagnostic on a node; returns the node (now draining or diagnosing) and
    /// the id of the command its agent runs.
    public func runDiagnostic(_ nodeID: String, suite: String, level: Int) async throws -> (node: Node, commandID: String) {
        var request = Navarch_V1_RunDiagnosticRequest()
        request.nodeID = nodeID
        request.suite = suite
        request.level = Int32(level)
        return try await call {
            let response = try await admin.runDiagnostic(request, options: options)
            return (response.node.domain, response.commandID)
        }
    }
}
