import Foundation
import GRPCCore
import HTTPTypes
import Hummingbird
import NavarchCore
import NavarchHealth
import NavarchProto
import SwiftProtobuf

/// The REST/JSON API under `/v1`: everything the admin gRPC API does, through the same handler
/// (`AdminServiceHandler`), so the two cannot differ. `openapi/navarch.yaml` is its contract.
struct RESTAPI: Sendable {
    let admin: AdminServiceHandler
    let fleet: FleetController

    typealias Admin = Navarch_V1_AdminService.Method

    func add(to router: Router<BasicRequestContext>) {
        router.get("/v1/nodes") { request, _ in
            let query = Query(request)
            var message = Navarch_V1_ListNodesRequest()
            message.pool = query.string("pool")
            message.state = try query.enumeration("state", NodeState.self).map(Navarch_V1_NodeState.init) ?? .unspecified
            message.health = try query.enumeration("health", HealthStatus.self).map(Navarch_V1_HealthStatus.init) ?? .unspecified
            message.pageSize = try query.int32("page_size")
            message.pageToken = query.string("page_token")
            message.includeGpuDetail = try query.boolean("include_gpu_detail")
            try query.refuseOthers()
            return try ProtoJSON.response(try await call(Admin.ListNodes.descriptor) { try await admin.listNodes(request: message, context: $0) })
        }
        router.get("/v1/nodes/:node_id") { request, context in
            try Query(request).refuseOthers()
            var message = Navarch_V1_GetNodeRequest()
            message.nodeID = try context.parameters.require("node_id")
            return try ProtoJSON.response(try await call(Admin.GetNode.descriptor) { try await admin.getNode(request: message, context: $0) })
        }
        router.get("/v1/nodes/:node_id/history") { request, context in
            let query = Query(request)
            var message = try eventsRequest(query)
            message.nodeID = try context.parameters.require("node_id")
            try query.refuseOthers()
            var node = Navarch_V1_GetNodeRequest()
            node.nodeID = message.nodeID
            _ = try await call(Admin.GetNode.descriptor) { try await admin.getNode(request: node, context: $0) }
            return try ProtoJSON.response(try await call(Admin.ListEvents.descriptor) { try await admin.listEvents(request: message, context: $0) })
        }
        nodeAction(router, "cordon", Navarch_V1_CordonNodeRequest.self, Admin.CordonNode.descriptor) { try await admin.cordonNode(request: $0, context: $1) }
        nodeAction(router, "drain", Navarch_V1_DrainNodeRequest.self, Admin.DrainNode.descriptor) { try await admin.drainNode(request: $0, context: $1) }
        nodeAction(router, "uncordon", Navarch_V1_UncordonNodeRequest.self, Admin.UncordonNode.descriptor) { try await admin.uncordonNode(request: $0, context: $1) }
        nodeAction(router, "diagnostics", Navarch_V1_RunDiagnosticRequest.self, Admin.RunDiagnostic.descriptor) { try await admin.runDiagnostic(request: $0, context: $1) }

        router.get("/v1/instances") { request, _ in
            let query = Query(request)
            var message = Navarch_V1_ListInstancesRequest()
            message.pool = query.string("pool")
            try query.refuseOthers()
            return try ProtoJSON.response(try await call(Admin.ListInstances.descriptor) { try await admin.listInstances(request: message, context: $0) })
        }
        router.get("/v1/pools") { request, _ in
            try Query(request).refuseOthers()
            return try ProtoJSON.response(try await call(Admin.ListPools.descriptor) { try await admin.listPools(request: .init(), context: $0) })
        }
        router.post("/v1/pools") { request, context in
            let message = try await ProtoJSON.body(request, context: context, as: Navarch_V1_CreatePoolRequest.self)
            let pool = try await call(Admin.CreatePool.descriptor) { try await admin.createPool(request: message, context: $0) }
            return try ProtoJSON.response(pool, status: .created)
        }
        router.get("/v1/pools/:name") { request, context in
            try Query(request).refuseOthers()
            let name = try context.parameters.require("name")
            let pools = try await call(Admin.ListPools.descriptor) { try await admin.listPools(request: .init(), context: $0) }
            guard let pool = pools.pools.first(where: { $0.name == name }) else {
                throw APIError(.notFound, code: "not_found", "pool \(name) not found")
            }
            return try ProtoJSON.response(pool)
        }
        router.post("/v1/pools/:name/scale") { request, context in
            var message = try await ProtoJSON.body(request, context: context, as: Navarch_V1_ScalePoolRequest.self)
            message.name = try pathName(context, message.name)
            return try ProtoJSON.response(try await call(Admin.ScalePool.descriptor) { try await admin.scalePool(request: message, context: $0) })
        }
        router.post("/v1/pools/:name/queue") { request, context in
            var message = try await ProtoJSON.body(request, context: context, as: Navarch_V1_ReportQueueRequest.self)
            message.pool = try pathName(context, message.pool, field: "pool")
            return try ProtoJSON.response(try await call(Admin.ReportQueue.descriptor) { try await admin.reportQueue(request: message, context: $0) })
        }
        router.delete("/v1/pools/:name") { request, context in
            try Query(request).refuseOthers()
            var message = Navarch_V1_DeletePoolRequest()
            message.name = try context.parameters.require("name")
            return try ProtoJSON.response(try await call(Admin.DeletePool.descriptor) { try await admin.deletePool(request: message, context: $0) })
        }

        router.get("/v1/events") { request, _ in
            let query = Query(request)
            let message = try eventsRequest(query)
            try query.refuseOthers()
            return try ProtoJSON.response(try await call(Admin.ListEvents.descriptor) { try await admin.listEvents(request: message, context: $0) })
        }
        router.get("/v1/events/stream") { request, _ in try eventStream(request) }

        router.get("/v1/breakers") { request, _ in
            try Query(request).refuseOthers()
            let info = try await call(Admin.GetServerInfo.descriptor) { try await admin.getServerInfo(request: .init(), context: $0) }
            return try ProtoJSON.response(list: info.breakers, named: "breakers")
        }
        router.post("/v1/breakers/reset") { request, context in
            let message = try await ProtoJSON.body(request, context: context, as: Navarch_V1_ResetBreakerRequest.self)
            return try ProtoJSON.response(try await call(Admin.ResetBreaker.descriptor) { try await admin.resetBreaker(request: message, context: $0) })
        }
        router.get("/v1/health/policy") { request, _ in
            try Query(request).refuseOthers()
            return try ProtoJSON.response(try await call(Admin.GetHealthPolicy.descriptor) { try await admin.getHealthPolicy(request: .init(), context: $0) })
        }
        router.get("/v1/health/xids/:code") { request, context in
            try Query(request).refuseOthers()
            let text = try context.parameters.require("code")
            guard let code = Int(text), code >= 0 else {
                throw APIError.badRequest("an XID code is a whole number, got '\(text)'", field: "code")
            }
            return try ProtoJSON.response(encoding: XIDExplanation(code: code, policy: await fleet.configuration.healthPolicy))
        }
        router.get("/v1/catalog") { request, _ in
            let query = Query(request)
            let gpuType = query.string("gpu_type").lowercased(), provider = query.string("provider")
            try query.refuseOthers()
            let offerings = OfferingCatalog.builtin.offerings.filter {
                (gpuType.isEmpty || $0.gpuType == gpuType) && (provider.isEmpty || $0.provider == provider)
            }
            return try ProtoJSON.response(encoding: ["offerings": offerings])
        }
        router.get("/v1/info") { request, _ in
            try Query(request).refuseOthers()
            return try ProtoJSON.response(try await call(Admin.GetServerInfo.descriptor) { try await admin.getServerInfo(request: .init(), context: $0) })
        }
    }

    /// `POST /v1/nodes/{node_id}/ACTION` with the action's request as the body.
    private func nodeAction<Message: SwiftProtobuf.Message & NodeTargeted, Answer: SwiftProtobuf.Message>(
        _ router: Router<BasicRequestContext>, _ action: String, _ type: Message.Type, _ descriptor: MethodDescriptor,
        _ handle: @escaping @Sendable (Message, ServerContext) async throws -> Answer
    ) {
        router.post("/v1/nodes/:node_id/\(action)") { request, context in
            var message = try await ProtoJSON.body(request, context: context, as: Message.self)
            let id = try context.parameters.require("node_id")
            guard message.nodeID.isEmpty || message.nodeID == id else {
                throw APIError.badRequest("node_id in the body (\(message.nodeID)) is not the node of the path (\(id))", field: "node_id")
            }
            message.nodeID = id
            return try ProtoJSON.response(try await call(descriptor) { try await handle(message, $0) })
        }
    }

    private func pathName(_ context: BasicRequestContext, _ inBody: String, field: String = "name") throws -> String {
        let name = try context.parameters.require("name")
        guard inBody.isEmpty || inBody == name else {
            throw APIError.badRequest("\(field) in the body (\(inBody)) is not the pool of the path (\(name))", field: field)
        }
        return name
    }

    private func eventsRequest(_ query: Query) throws -> Navarch_V1_ListEventsRequest {
        var message = Navarch_V1_ListEventsRequest()
        message.afterSequence = try query.int64("after_sequence")
        message.limit = try query.int32("limit")
        message.nodeID = query.string("node_id")
        message.pool = query.string("pool")
        return message
    }

    /// Calls the gRPC handler as an RPC of `descriptor` would, its errors in HTTP's terms.
    private func call<Answer: Sendable>(_ descriptor: MethodDescriptor, _ body: (ServerContext) async throws -> Answer) async throws -> Answer {
        do {
            return try await withServerContextRPCCancellationHandle { handle in
                try await body(ServerContext(descriptor: descriptor, remotePeer: "rest", localPeer: "rest", cancellation: handle))
            }
        } catch {
            throw APIError.from(error)
        }
    }
}

/// The admin requests that name a node, for the node actions' routes.
protocol NodeTargeted { var nodeID: String { get set } }
extension Navarch_V1_CordonNodeRequest: NodeTargeted {}
extension Navarch_V1_DrainNodeRequest: NodeTargeted {}
extension Navarch_V1_UncordonNodeRequest: NodeTargeted {}
extension Navarch_V1_RunDiagnosticRequest: NodeTargeted {}

extension RESTAPI {
    static let lastEventID = HTTPField.Name("Last-Event-ID")!

    /// `GET /v1/events/stream`: Server-Sent Events, each `id: SEQUENCE`, `event: KIND` and
    /// `data: EVENT` (the Event message as JSON); history after `after_sequence` or the
    /// `Last-Event-ID` a reconnecting client sends, then live events. A comment line every 15 s
    /// keeps idle proxies from closing it.
    func eventStream(_ request: Request) throws -> Response {
        let query = Query(request)
        var after = try query.int64("after_sequence")
        let nodeID = query.string("node_id"), pool = query.string("pool")
        try query.refuseOthers()
        if let resume = request.headers[Self.lastEventID] {
            guard let sequence = Int64(resume), sequence >= 0 else {
                throw APIError.badRequest("Last-Event-ID must be an event sequence number, got '\(resume)'", field: "Last-Event-ID")
            }
            after = max(after, sequence)
        }
        let fleet = fleet
        let from = after
        let lease = try admin.access.openStream(for: CallPrincipal.current)
        let body = ResponseBody { writer in
            defer { lease.close() }
            try await writer.write(ByteBuffer(string: ": navarch events\n\n"))
            try await withThrowingTaskGroup(of: Void.self) { group in
                let lines = AsyncStream<ByteBuffer>.makeStream()
                group.addTask {
                    defer { lines.continuation.finish() }
                    try await fleet.followEvents(after: from, nodeID: nodeID.isEmpty ? nil : nodeID, pool: pool.isEmpty ? nil : pool) { event in
                        let data = try Navarch_V1_Event(event).jsonString(options: ProtoJSON.encoding)
                        lines.continuation.yield(ByteBuffer(string: "id: \(event.sequence)\nevent: \(event.kind)\ndata: \(data)\n\n"))
                    }
                }
                group.addTask {
                    while true {
                        try await Task.sleep(for: .seconds(15))
                        lines.continuation.yield(ByteBuffer(string: ": keep-alive\n\n"))
                    }
                }
                for await line in lines.stream { try await writer.write(line) }
                group.cancelAll()
            }
            try await writer.finish(nil)
        }
        return Response(
            status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"], body: body)
    }
}
