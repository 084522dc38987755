import Foundation
import Hummingbird
import NavarchCore
import Synchronization

/// The HTTP API: probes and read-only JSON views of the fleet.
enum HTTPAPI {
    struct NodeList: ResponseEncodable {
        let nodes: [Node]
        let nextPageToken: String?
        let totalSize: Int
        enum CodingKeys: String, CodingKey {
            case nodes
            case nextPageToken = "next_page_token"
            case totalSize = "total_size"
        }
    }
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
            let parameters = request.uri.queryParameters
            let query: NodeQuery
            let gpuDetail: Bool
            do {
                query = try NodeQuery(
                    pool: parameters.get("pool"), state: try enumParameter("state", parameters.get("state")),
                    health: try enumParameter("health", parameters.get("health")),
                    pageSize: try integerParameter("page_size", parameters.get("page_size")) ?? 0,
                    pageToken: parameters.get("page_token") ?? "")
                gpuDetail = try booleanParameter("gpu_detail", parameters.get("gpu_detail")) ?? false
            } catch let error as NavarchError {
                throw HTTPError(.badRequest, message: error.message)
            }
            let page = await fleet.listNodes(query)
            return NodeList(
                nodes: gpuDetail ? page.nodes : page.nodes.map(\.withoutGPUDetail), nextPageToken: page.nextPageToken, totalSize: page.total)
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

    /// A query parameter naming one of an enumeration's cases (nil when absent).
    static func enumParameter<Value: RawRepresentable & CaseIterable>(_ name: String, _ text: String?) throws -> Value? where Value.RawValue == String {
        guard let text, !text.isEmpty else { return nil }
        guard let value = Value(rawValue: text) else {
            throw NavarchError.invalidArgument("\(name) '\(text)' is not one of \(Value.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return value
    }

    static func integerParameter(_ name: String, _ text: String?) throws -> Int? {
        guard let text, !text.isEmpty else { return nil }
        guard let value = Int(text) else { throw NavarchError.invalidArgument("\(name) must be a whole number, got '\(text)'") }
        return value
    }

    static func booleanParameter(_ name: String, _ text: String?) throws -> Bool? {
        guard let text, !text.isEmpty else { return nil }
        switch text {
        case "true", "1": return true
        case "false", "0": return false
        default: throw NavarchError.invalidArgument("\(name) must be true or false, got '\(text)'")
        }
    }
}

extension Node: ResponseEncodable {}

/// Whether the control plane has loaded its state and bound its listeners.
final class Readiness: Sendable {
    private let ready = Mutex(false)
    var isReady: Bool { ready.withLock { $0 } }
    func markReady() { ready.withLock { $0 = true } }
}
