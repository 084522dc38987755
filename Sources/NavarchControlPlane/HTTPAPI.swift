import Foundation
import Hummingbird
import NavarchCore
import Synchronization

/// The HTTP API: probes and read-only JSON views of the fleet.
enum HTTPAPI {
    struct NodeList: ResponseEncodable { let nodes: [Node] }
    struct PoolList: ResponseEncodable { let pools: [Pool] }
    struct InstanceList: ResponseEncodable { let instances: [Instance] }
    struct Status: ResponseEncodable { let status: String }

    static func router(fleet: FleetController, readiness: Readiness, agentBinary: String? = nil) -> Router<BasicRequestContext> {
        let router = Router()
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
        router.get("/v1/nodes") { request, _ in
            NodeList(nodes: await fleet.listNodes(pool: request.uri.queryParameters.get("pool")))
        }
        router.get("/v1/nodes/:id") { _, context in
            let id = try context.parameters.require("id")
            do { return try await fleet.node(id) } catch let error as NavarchError where error.code == .notFound {
                throw HTTPError(.notFound, message: error.message)
            }
        }
        router.get("/v1/pools") { _, _ in PoolList(pools: await fleet.listPools()) }
        router.get("/v1/instances") { request, _ in
            InstanceList(instances: await fleet.listInstances(pool: request.uri.queryParameters.get("pool")))
        }
        return router
    }
}

extension Node: ResponseEncodable {}

/// Whether the control plane has loaded its state and bound its listeners.
final class Readiness: Sendable {
    private let ready = Mutex(false)
    var isReady: Bool { ready.withLock { $0 } }
    func markReady() { ready.withLock { $0 = true } }
}
