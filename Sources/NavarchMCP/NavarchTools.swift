import Foundation
import MCP
import NavarchClient
import NavarchCore
import NavarchHealth

/// Navarch's MCP tools, answered through a ``NavarchClient`` (gRPC): what `navarch mcp` serves
/// over stdio and the control plane at `/mcp`. Every answer carries structured content and a
/// text summary; a bad argument, an unknown node or a refusal is a tool error.
public struct NavarchTools: Sendable {
    /// Runs `body` with a client of the control plane.
    public typealias Connect = @Sendable (_ body: @Sendable (NavarchClient) async throws -> Void) async throws -> Void

    let connect: Connect

    public init(connect: @escaping Connect) {
        self.connect = connect
    }

    /// A client at `server` (`host:port`) with `security`, one connection per call.
    public init(server: String, security: ClientSecurity) {
        self.init { body in try await NavarchClient.with(server: server, security: security, body) }
    }

    static let nodeStates = NodeState.allCases.map(\.rawValue)
    static let healths = HealthStatus.allCases.map(\.rawValue)

    static let all: [NavarchTool] = [
        NavarchTool("fleet_status", title: "Fleet status", "Pools with their desired, registered and ready nodes and GPUs, open circuit breakers, and the fleet's totals.", readOnly: true, idempotent: true),
        NavarchTool(
            "list_nodes", title: "List nodes", "A page of nodes in natural order of their ids, with filters. Follow next_page_token for the next page.",
            properties: [
                "pool": NavarchTool.string("Only nodes of this pool."),
                "state": NavarchTool.oneOf(nodeStates, "Only nodes in this state."),
                "health": NavarchTool.oneOf(healths, "Only nodes with this health."),
                "page_size": NavarchTool.integer("Nodes per page (default 100, at most 5000).", minimum: 1),
                "page_token": NavarchTool.string("next_page_token of the previous page."),
            ], readOnly: true, idempotent: true),
        NavarchTool("get_node", title: "Get a node", "One node with every GPU's figures (temperature, power, ECC, NVLink metrics).", properties: ["node_id": NavarchTool.string("The node's id.")], required: ["node_id"], readOnly: true, idempotent: true),
        NavarchTool(
            "node_history", title: "Node history", "The node's events, oldest first: health changes, cordons, repairs, replacements, with the rule and evidence behind each.",
            properties: ["node_id": NavarchTool.string("The node's id."), "limit": NavarchTool.integer("At most this many (default 100).", minimum: 1)],
            required: ["node_id"], readOnly: true, idempotent: true),
        NavarchTool(
            "list_events", title: "List events", "Fleet events after a sequence number, oldest first.",
            properties: [
                "after_sequence": NavarchTool.integer("Only events after this sequence number.", minimum: 0),
                "limit": NavarchTool.integer("At most this many (default 100).", minimum: 1),
                "node_id": NavarchTool.string("Only this node's."), "pool": NavarchTool.string("Only this pool's."),
            ], readOnly: true, idempotent: true),
        NavarchTool("explain_xid", title: "Explain an XID", "What an NVIDIA XID error code means, NVIDIA's recommended resolution, and what the control plane's health policy does when it sees it.", properties: ["code": NavarchTool.integer("The XID code, for example 79.", minimum: 0)], required: ["code"], readOnly: true, idempotent: true),
        NavarchTool("health_policy", title: "Health policy", "The health policy in force, as YAML: every rule, its match, verdict and action.", readOnly: true, idempotent: true),
        NavarchTool(
            "catalog", title: "Machine catalog", "Machine types by GPU type and provider, with GPU counts and list prices.",
            properties: ["gpu_type": NavarchTool.string("Only this GPU type (h100, a100-80gb, ...)."), "provider": NavarchTool.string("Only this provider (aws, gcp, azure, lambda).")],
            readOnly: true, idempotent: true),
        NavarchTool("cordon_node", title: "Cordon a node", "Stops new work being placed on the node; running work goes on.", properties: ["node_id": NavarchTool.string("The node's id."), "reason": NavarchTool.string("Why, for the record.")], required: ["node_id"], idempotent: true),
        NavarchTool("drain_node", title: "Drain a node", "Cordons the node and has its workloads moved off (through the workload scheduler).", properties: ["node_id": NavarchTool.string("The node's id."), "reason": NavarchTool.string("Why, for the record.")], required: ["node_id"], destructive: true, idempotent: true),
        NavarchTool(
            "uncordon_node", title: "Uncordon a node", "Puts a cordoned node back in service. A node being repaired or judged unhealthy needs force.",
            properties: ["node_id": NavarchTool.string("The node's id."), "reason": NavarchTool.string("Why, for the record."), "force": NavarchTool.boolean("Back in service without a passed validation.")],
            required: ["node_id"], idempotent: true),
        NavarchTool(
            "run_diagnostic", title: "Run a diagnostic", "Cordons and drains the node, runs an active diagnostic, then uncordons it on a pass or remediates it on a failure.",
            properties: ["node_id": NavarchTool.string("The node's id."), "suite": NavarchTool.oneOf(["dcgm", "nvbandwidth", "nccl"], "The diagnostic (default dcgm)."), "level": NavarchTool.integer("DCGM level 1 to 4 (default 1).", minimum: 1)],
            required: ["node_id"], destructive: true),
        NavarchTool(
            "create_pool", title: "Create a pool", "Creates a pool and buys its machines: enough nodes for the GPUs asked for.",
            properties: [
                "name": NavarchTool.string("The pool's name."), "gpu_type": NavarchTool.string("GPU type from the catalog, for example h100."),
                "gpus": NavarchTool.integer("Total GPUs wanted; rounded up to whole nodes.", minimum: 1), "provider": NavarchTool.string("Provider; empty for the default."),
                "spot": NavarchTool.boolean("Spot (preemptible) capacity."),
            ], required: ["name", "gpu_type", "gpus"]),
        NavarchTool("scale_pool", title: "Scale a pool", "Sets the pool's desired number of nodes: machines are bought or terminated to match.", properties: ["name": NavarchTool.string("The pool's name."), "desired_nodes": NavarchTool.integer("Nodes wanted.", minimum: 0)], required: ["name", "desired_nodes"], destructive: true, idempotent: true),
        NavarchTool("delete_pool", title: "Delete a pool", "Terminates every machine of the pool, then forgets it.", properties: ["name": NavarchTool.string("The pool's name.")], required: ["name"], destructive: true, idempotent: true),
        NavarchTool("reset_breaker", title: "Reset a circuit breaker", "Closes an open circuit breaker, letting automatic terminations (or provisioning) go ahead again.", properties: ["scope": NavarchTool.string("fleet, a pool name, or empty for every open breaker.")], destructive: true, idempotent: true),
    ]

    /// The tools' definitions, as `tools/list` answers them.
    public static var definitions: [Tool] { all.map(\.definition) }

    /// Answers one `tools/call`; `caller` is recorded as the actor of what it changes.
    public func call(_ name: String, arguments: [String: Value]?, caller: String) async -> CallTool.Result {
        do {
            guard let tool = Self.all.first(where: { $0.name == name }) else {
                throw ToolError("unknown tool '\(name)'; tools: \(Self.all.map(\.name).joined(separator: ", "))")
            }
            let arguments = try ToolArguments(arguments, tool: tool)
            let answer: ToolAnswer
            if tool.name == "catalog" {
                answer = try Self.catalog(arguments)
            } else {
                let box = ResultBox<ToolAnswer>()
                try await connect { client in box.value = try await self.answer(tool, arguments, client: client, caller: caller) }
                answer = try box.take()
            }
            return CallTool.Result(content: [.text(text: answer.text, annotations: nil, _meta: nil)], structuredContent: Optional(answer.structured), isError: false)
        } catch {
            let message: String
            switch error {
            case let error as ToolError: message = error.description
            case let error as NavarchError: message = error.message
            default: message = "\(error)"
            }
            return CallTool.Result(content: [.text(text: message, annotations: nil, _meta: nil)], structuredContent: Optional(Value.object(["error": .string(message)])), isError: true)
        }
    }
}

/// A tool's answer: a summary for people and the same as structured content.
struct ToolAnswer: Sendable {
    var text: String
    var structured: Value

    init(_ text: String, _ value: some Codable) throws {
        self.text = text
        structured = try Value(value)
    }
}
