import Foundation
import Hummingbird
import NavarchCore
import Synchronization

/// The HTTP API: probes, the agent binary, the REST API (``RESTAPI``) and its OpenAPI document,
/// and MCP (``MCPEndpoint``).
enum HTTPAPI {
    struct Status: ResponseEncodable { let status: String }

    static func router(
        fleet: FleetController, admin: AdminServiceHandler, mcp: MCPEndpoint, readiness: Readiness, agentBinary: String? = nil,
        auth: HTTPAuthMiddleware<BasicRequestContext>
    ) -> Router<BasicRequestContext> {
        let router = Router()
        // First: a route takes the middlewares added before it.
        router.middlewares.add(auth)
        router.get("/v1/agent/navarch-node") { _, context -> Response in
            // The node agent, for cloud machines' user data to download.
            guard let agentBinary else {
                throw HTTPError(.notFound, message: "this control plane serves no agent binary (no cloud provider is configured)")
            }
            let fileIO = FileIO(threadPool: .singleton)
            let body = try await fileIO.loadFile(path: agentBinary, context: context)
            return Response(status: .ok, headers: [.contentType: "application/octet-stream"], body: body)
        }
        router.get("/healthz") { _, _ in Status(status: "ok") }
        router.get("/readyz") { _, _ -> Response in
            let ready = readiness.isReady
            let body = ready ? #"{"status":"ready"}"# : #"{"status":"starting"}"#
            return Response(
                status: ready ? .ok : .serviceUnavailable, headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(string: body)))
        }
        RESTAPI(admin: admin, fleet: fleet).add(to: router)
        mcp.add(to: router)
        router.get("/openapi.json") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: OpenAPIDocument.json)))
        }
        return router
    }
}


/// Whether the control plane has loaded its state and bound its listeners.
final class Readiness: Sendable {
    private let ready = Mutex(false)
    var isReady: Bool { ready.withLock { $0 } }
    func markReady() { ready.withLock { $0 = true } }
}
