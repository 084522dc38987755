import Foundation
import MCP
import NavarchClient
import NavarchCore
import Synchronization

/// An MCP server with Navarch's tools and its pools and nodes as resources
/// (`navarch://pools/{name}`, `navarch://nodes/{id}`), over any MCP transport: stdio for
/// `navarch mcp`, streamable HTTP at the control plane's `/mcp`.
public enum NavarchMCPServer {
    public static let instructions = """
        Navarch manages fleets of GPU machines: pools of nodes, their GPUs' health, and the \
        cordons, repairs and replacements that keep them healthy. Read with fleet_status, \
        list_nodes, get_node, node_history, list_events, explain_xid, health_policy and catalog. \
        Tools that change the fleet do nothing unless called with confirm: true; without it they \
        answer what they would do (nodes, instances, hourly cost): show that to the user first.
        """

    /// Starts a server on `transport`; what it changes is recorded as `mcp:<client name>`.
    public static func start(on transport: any Transport, tools: NavarchTools, version: String) async throws -> Server {
        let server = Server(
            name: "navarch", version: version, title: "Navarch", instructions: instructions,
            capabilities: .init(resources: .init(subscribe: false, listChanged: false), tools: .init(listChanged: false)))
        let caller = Mutex("mcp:unknown")
        await server.withMethodHandler(ListTools.self) { _ in .init(tools: NavarchTools.definitions) }
        await server.withMethodHandler(CallTool.self) { params in
            await tools.call(params.name, arguments: params.arguments, caller: caller.withLock { $0 })
        }
        await server.withMethodHandler(ListResourceTemplates.self) { _ in
            .init(templates: [
                Resource.Template(uriTemplate: "navarch://pools/{name}", name: "pool", description: "A pool: its settings and desired size.", mimeType: "application/json"),
                Resource.Template(uriTemplate: "navarch://nodes/{id}", name: "node", description: "A node with its GPUs' figures.", mimeType: "application/json"),
            ])
        }
        await server.withMethodHandler(ListResources.self) { params in try await resources(tools, cursor: params.cursor) }
        await server.withMethodHandler(ReadResource.self) { params in try await read(tools, uri: params.uri) }
        try await server.start(transport: transport) { client, _ in
            caller.withLock { $0 = "mcp:\(client.name)" }
        }
        return server
    }

    /// Every pool, then the nodes a page of 500 at a time (the cursor is the node page token).
    static func resources(_ tools: NavarchTools, cursor: String?) async throws -> ListResources.Result {
        let box = ResultBox<ListResources.Result>()
        try await tools.connect { client in
            var resources: [Resource] = []
            if cursor == nil {
                resources = try await client.pools().map {
                    Resource(name: "pool \($0.name)", uri: "navarch://pools/\($0.name)", description: "\($0.desiredNodes) x \($0.gpuType) on \($0.provider)", mimeType: "application/json")
                }
            }
            let page = try await client.nodePage(pageSize: 500, pageToken: cursor ?? "")
            resources += page.nodes.map {
                Resource(name: "node \($0.id)", uri: "navarch://nodes/\($0.id)", description: "\($0.state.rawValue), \($0.health.rawValue)", mimeType: "application/json")
            }
            box.value = ListResources.Result(resources: resources, nextCursor: page.nextPageToken)
        }
        return try box.take()
    }

    static func read(_ tools: NavarchTools, uri: String) async throws -> ReadResource.Result {
        let box = ResultBox<ReadResource.Result>()
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        try await tools.connect { client in
            let text: Data
            if uri.hasPrefix("navarch://pools/") {
                let name = String(uri.dropFirst("navarch://pools/".count))
                guard let pool = try await client.pools().first(where: { $0.name == name }) else { throw MCPError.invalidParams("pool \(name) not found") }
                text = try encoder.encode(pool)
            } else if uri.hasPrefix("navarch://nodes/") {
                let id = String(uri.dropFirst("navarch://nodes/".count))
                do { text = try encoder.encode(try await client.node(id)) } catch let error as NavarchError { throw MCPError.invalidParams(error.message) }
            } else {
                throw MCPError.invalidParams("unknown resource '\(uri)'; Navarch serves navarch://pools/{name} and navarch://nodes/{id}")
            }
            box.value = ReadResource.Result(contents: [.text(String(decoding: text, as: UTF8.self), uri: uri, mimeType: "application/json")])
        }
        return try box.take()
    }
}

/// Carries a value out of a client's scope.
final class ResultBox<Value: Sendable>: @unchecked Sendable {
    // Written once inside `connect`, read after it returns: never at the same time.
    var value: Value?

    func take() throws -> Value {
        guard let value else { throw MCPError.internalError("the control plane gave no answer") }
        return value
    }
}
