import Foundation
import NavarchClient
import NavarchCloudFakes
import NavarchControlPlane
import NavarchCore
import NavarchProviders
import NavarchStore
import Testing

/// The MCP server through the official Python MCP SDK (`Python/mcp_client.py`), over stdio
/// (`navarch mcp`) and over streamable HTTP (`/mcp`), against a live fleet.
@Suite(.serialized, .enabled(if: PeerPython.clients.unavailableReason == nil, "the MCP SDK cannot run: NAVARCH_CLIENT_PYTHON must name a Python with mcp (scripts/test.sh installs it)"))
struct MCPTests {
    static let client = GRPCInteropTests.root.appendingPathComponent("Tests/NavarchControlPlaneTests/Python/mcp_client.py").path
    static var navarch: String? {
        ProcessInfo.processInfo.environment["NAVARCH_BIN_DIR"].map { $0 + "/navarch" }.flatMap { FileManager.default.isExecutableFile(atPath: $0) ? $0 : nil }
    }

    /// What the client saw, decoded loosely.
    struct Seen: @unchecked Sendable {
        let json: [String: Any]
        var calls: [String: [String: Any]] { json["calls"] as? [String: [String: Any]] ?? [:] }
        func call(_ label: String) -> (error: Bool, text: String, structured: [String: Any]) {
            let call = calls[label] ?? [:]
            return (call["error"] as? Bool ?? true, call["text"] as? String ?? "", call["structured"] as? [String: Any] ?? [:])
        }
    }

    func withMCPFleet(_ body: @escaping @Sendable (ControlPlaneEndpoints) async throws -> Seen) async throws -> Seen {
        var configuration = testConfiguration()
        configuration.heartbeatInterval = .seconds(60)
        // A second provider named as a cloud, so that a preview can be priced from the catalog.
        let plane = ControlPlane(configuration: configuration, store: InMemoryStore()).with(provider: FakeProvider())
            .with(provider: FakeProvider(name: "aws"))
        return try await withControlPlane(plane) { endpoints in
            try await withNodeClient(endpoints) { agent in
                for index in 0..<4 { _ = try await agent.register(registration(node: "mcp-\(index)", instance: "")) }
            }
            try await NavarchClient.with(server: endpoints.grpcAddress) { client in
                _ = try await client.createPool(name: "train", gpuType: "h100", gpus: 16)
            }
            return try await body(endpoints)
        }
    }

    func run(_ arguments: [String]) async throws -> Seen {
        let (status, output) = try await PeerPython.clients.run(Self.client, arguments, timeout: .seconds(180))
        #expect(status == 0, "\(output.suffix(4000))")
        let line = try #require(output.split(separator: "\n").last, "\(output)")
        return Seen(json: try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "\(output.suffix(4000))"))
    }

    func check(_ seen: Seen) {
        #expect(seen.json["server"] as? String == "navarch")
        let tools = seen.json["tools"] as? [String] ?? []
        #expect(tools == [
            "catalog", "cordon_node", "create_pool", "delete_pool", "drain_node", "explain_xid", "fleet_status", "get_node", "health_policy",
            "list_events", "list_nodes", "node_history", "reset_breaker", "run_diagnostic", "scale_pool", "uncordon_node",
        ])
        let annotations = seen.json["annotations"] as? [String: [String: Any]] ?? [:]
        #expect(annotations["list_nodes"]?["read_only"] as? Bool == true)
        #expect(annotations["delete_pool"]?["destructive"] as? Bool == true && annotations["delete_pool"]?["read_only"] as? Bool == false)
        let schemas = seen.json["schemas"] as? [String: [String]] ?? [:]
        #expect(schemas["delete_pool"] == ["confirm", "name"] && schemas["get_node"] == ["node_id"])

        #expect(seen.call("fleet_status").structured["nodes"] as? Int == 4)
        let first = seen.call("list_nodes").structured
        #expect((first["nodes"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == ["mcp-0", "mcp-1"])
        #expect((seen.call("list_nodes_next").structured["nodes"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == ["mcp-2", "mcp-3"])
        #expect(seen.call("list_nodes_unhealthy").structured["total"] as? Int == 0)
        #expect((seen.call("get_node").structured["gpus"] as? [Any])?.count == 8)
        #expect(seen.call("node_history").text.contains("node.registered"))
        #expect(!seen.call("list_events").error && seen.call("explain_xid").text.contains("79"))
        #expect(seen.call("health_policy").text.contains("rules"))
        #expect(!(seen.call("catalog").structured["offerings"] as? [Any] ?? []).isEmpty)

        // A change without confirm changes nothing and says what it would do; with it, it acts
        // and records who asked.
        let preview = seen.call("cordon_preview")
        #expect(!preview.error && preview.structured["confirmed"] as? Bool == false && preview.text.contains("Would cordon mcp-1"), "\(preview)")
        #expect(seen.call("node_after_preview").structured["state"] as? String == "active")
        #expect(seen.call("cordon").structured["state"] as? String == "cordoned", "\(seen.call("cordon"))")
        #expect(seen.call("history_after_cordon").text.contains("node.cordoned"))
        let created = seen.call("create_preview")
        #expect(created.text.contains("buy 2 h100 node(s)") && (created.structured["hourlyCostChangeUSD"] as? Double ?? 0) > 0, "\(created)")
        let deleted = seen.call("delete_preview")
        #expect(deleted.text.contains("terminate 2 instance(s) of train") && (deleted.structured["instances"] as? [Any])?.count == 2, "\(deleted)")
        #expect(seen.call("scale_preview").text.contains("buy 3 more node(s) for train"))
        #expect(seen.call("reset_preview").text.contains("no open breaker"))

        // Bad arguments are tool errors that name the problem.
        #expect(seen.call("unknown_node").error && seen.call("unknown_node").text == "node ghost not found")
        #expect(seen.call("missing_field").error && seen.call("missing_field").text == "node_id is required")
        #expect(seen.call("wrong_type").error && seen.call("wrong_type").text.contains("code must be a whole number"))
        #expect(seen.call("unknown_argument").error && seen.call("unknown_argument").text.contains("unknown argument 'colour'"))
        #expect(seen.call("bad_state").error && seen.call("bad_state").text.contains("state 'sleeping' is not one of"))
        #expect(seen.call("illegal").error)

        #expect((seen.json["resources"] as? [String])?.contains("navarch://pools/train") == true)
        #expect((seen.json["resources"] as? [String])?.contains("navarch://nodes/mcp-3") == true)
        #expect(seen.json["templates"] as? [String] == ["navarch://nodes/{id}", "navarch://pools/{name}"])
        #expect(seen.json["node_resource"] as? String == "mcp-0" && seen.json["pool_resource"] as? String == "train")
        #expect((seen.json["ghost_resource"] as? String)?.contains("node ghost not found") == true, "\(seen.json["ghost_resource"] ?? "")")
        #expect(seen.json["still_serving"] as? Bool == true)
    }

    @Test(.timeLimit(.minutes(4)))
    func theHTTPEndpointServesEveryToolAndRecordsTheAgent() async throws {
        let seen = try await withMCPFleet { endpoints in
            let seen = try await run(["http", "http://127.0.0.1:\(endpoints.httpPort)/mcp"])
            let events = try await NavarchClient.with(server: endpoints.grpcAddress) { try await $0.events(nodeID: "mcp-1") }
            #expect(events.contains { $0.kind == "node.cordoned" && $0.attributes["actor"] == "mcp:pytest-agent" }, "\(events)")
            return seen
        }
        check(seen)
    }

    @Test(.timeLimit(.minutes(4)), .enabled(if: navarch != nil, "navarch mcp needs the navarch binary: NAVARCH_BIN_DIR (scripts/test.sh sets it)"))
    func navarchMCPOverStdioServesTheSameTools() async throws {
        let binary = try #require(Self.navarch)
        let seen = try await withMCPFleet { endpoints in
            try await run(["stdio", binary, endpoints.grpcAddress])
        }
        check(seen)
    }
}
