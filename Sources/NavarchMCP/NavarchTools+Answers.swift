import Foundation
import MCP
import NavarchClient
import NavarchCore
import NavarchHealth

extension NavarchTools {
    struct PoolStatus: Codable {
        var name: String, provider: String, gpuType: String, desiredNodes: Int, nodes: Int, readyNodes: Int, readyGPUs: Int, deleting: Bool
        var hourlyCostUSD: Double?
    }

    struct FleetStatus: Codable {
        var pools: [PoolStatus]
        var nodes: Int, readyNodes: Int, readyGPUs: Int
        var openBreakers: [BreakerStatus]
    }

    struct NodeRow: Codable {
        var id: String, pool: String, state: String, health: String, gpus: Int, model: String, reason: String
        init(_ node: Node) {
            id = node.id
            pool = node.pool
            state = node.state.rawValue
            health = node.health.rawValue
            gpus = node.gpus.count
            model = node.gpus.first?.model ?? ""
            reason = [node.healthReason, node.cordonReason].filter { !$0.isEmpty }.joined(separator: "; ")
        }
    }

    struct NodeList: Codable {
        var nodes: [NodeRow]
        var nextPageToken: String?
        var total: Int
    }

    /// What a tool that changes the fleet would do, answered when `confirm` is not true.
    struct Preview: Codable {
        var confirmed = false
        var wouldDo: String
        var nodes: [String] = []
        var instances: [String] = []
        var hourlyCostChangeUSD: Double?
    }

    /// The hourly price of one machine of the pool, from the catalog; nil when the catalog has none.
    static func machinePrice(provider: String, gpuType: String, gpusPerNode: Int, spot: Bool) -> Double? {
        let offering = OfferingCatalog.builtin.offerings(provider: provider, gpuType: gpuType).first { $0.gpuCount == gpusPerNode }
        return spot ? offering?.spotHourlyUSD ?? offering?.onDemandHourlyUSD : offering?.onDemandHourlyUSD
    }

    static func money(_ value: Double?) -> String { value.map { String(format: "$%.2f/h", $0) } ?? "an unknown hourly cost (no catalog price for this provider)" }

    /// The catalog is the binary's own: answered without the control plane.
    static func catalog(_ arguments: ToolArguments) throws -> ToolAnswer {
        let gpuType = (try arguments.string("gpu_type") ?? "").lowercased(), provider = try arguments.string("provider") ?? ""
        let offerings = OfferingCatalog.builtin.offerings.filter { (gpuType.isEmpty || $0.gpuType == gpuType) && (provider.isEmpty || $0.provider == provider) }
        let text = offerings.map { "\($0.provider) \($0.machineType): \($0.gpuCount) x \($0.gpuType), \(money($0.onDemandHourlyUSD)) on demand" }.joined(separator: "\n")
        return try ToolAnswer(offerings.isEmpty ? "no machine types match" : text, ["offerings": offerings])
    }

    func answer(_ tool: NavarchTool, _ arguments: ToolArguments, client: NavarchClient, caller: String) async throws -> ToolAnswer {
        let confirmed = tool.readOnly ? false : try arguments.bool("confirm")
        switch tool.name {
        case "fleet_status":
            let (pools, counts) = try await client.poolsWithCounts()
            let info = try await client.serverInfo()
            let statuses = pools.map { pool in
                let count = counts[pool.name] ?? PoolCounts()
                let price = Self.machinePrice(provider: pool.provider, gpuType: pool.gpuType, gpusPerNode: pool.gpusPerNode, spot: pool.options.spot)
                return PoolStatus(
                    name: pool.name, provider: pool.provider, gpuType: pool.gpuType, desiredNodes: pool.desiredNodes, nodes: count.nodes,
                    readyNodes: count.readyNodes, readyGPUs: count.readyGPUs, deleting: pool.deleting, hourlyCostUSD: price.map { $0 * Double(count.nodes) })
            }
            let total = counts.values.reduce(into: PoolCounts()) { $0.nodes += $1.nodes; $0.readyNodes += $1.readyNodes; $0.readyGPUs += $1.readyGPUs }
            let status = FleetStatus(
                pools: statuses, nodes: total.nodes, readyNodes: total.readyNodes, readyGPUs: total.readyGPUs, openBreakers: info.breakers.filter(\.open))
            var lines = ["\(total.nodes) nodes registered, \(total.readyNodes) ready with \(total.readyGPUs) GPUs; \(pools.count) pool(s)"]
            lines += statuses.map { "- \($0.name) (\($0.provider), \($0.gpuType)): \($0.readyNodes)/\($0.desiredNodes) ready, \($0.nodes) registered" + ($0.deleting ? ", deleting" : "") }
            lines += status.openBreakers.map { "circuit breaker OPEN (\($0.scope)): \($0.reason)" }
            return try ToolAnswer(lines.joined(separator: "\n"), status)

        case "list_nodes":
            let pageSize = try arguments.int("page_size") ?? 100
            guard (1...NodeQuery.maximumPageSize).contains(pageSize) else { throw ToolError("page_size must be between 1 and \(NodeQuery.maximumPageSize), got \(pageSize)") }
            let page = try await client.nodePage(
                pool: try arguments.string("pool").flatMap { $0.isEmpty ? nil : $0 }, state: try arguments.enumeration("state", NodeState.self),
                health: try arguments.enumeration("health", HealthStatus.self), pageSize: pageSize, pageToken: try arguments.string("page_token") ?? "")
            let list = NodeList(nodes: page.nodes.map(NodeRow.init), nextPageToken: page.nextPageToken, total: page.total)
            let text = "\(page.nodes.count) of \(page.total) node(s)" + (page.nextPageToken.map { "; more with page_token \($0)" } ?? "") + "\n"
                + list.nodes.map { "\($0.id)  \($0.pool)  \($0.state)  \($0.health)  \($0.gpus) GPUs" + ($0.reason.isEmpty ? "" : "  \($0.reason)") }.joined(separator: "\n")
            return try ToolAnswer(text, list)

        case "get_node":
            let node = try await client.node(try arguments.requiredString("node_id"))
            let gpus = node.gpus.map { "GPU \($0.index) \($0.model): \($0.health.rawValue), \(Int($0.temperatureCelsius)) C, \(Int($0.powerWatts)) W" + ($0.healthReason.isEmpty ? "" : " (\($0.healthReason))") }
            return try ToolAnswer(
                (["\(node.id): \(node.state.rawValue), \(node.health.rawValue)" + (node.healthReason.isEmpty ? "" : " (\(node.healthReason))") + ", pool \(node.pool.isEmpty ? "-" : node.pool)"] + gpus).joined(separator: "\n"),
                node)

        case "node_history":
            let id = try arguments.requiredString("node_id")
            _ = try await client.node(id)
            let events = try await client.events(limit: try arguments.int("limit") ?? 100, nodeID: id)
            return try ToolAnswer(events.isEmpty ? "no events for \(id)" : events.map { "#\($0.sequence) \($0.kind): \($0.message)" }.joined(separator: "\n"), ["events": events])

        case "list_events":
            let events = try await client.events(
                after: Int64(try arguments.int("after_sequence") ?? 0), limit: try arguments.int("limit") ?? 100,
                nodeID: try arguments.string("node_id").flatMap { $0.isEmpty ? nil : $0 }, pool: try arguments.string("pool").flatMap { $0.isEmpty ? nil : $0 })
            return try ToolAnswer(events.isEmpty ? "no events" : events.map { "#\($0.sequence) \($0.kind) \($0.nodeID): \($0.message)" }.joined(separator: "\n"), ["events": events])

        case "explain_xid":
            let code = try arguments.requiredInt("code")
            guard code >= 0 else { throw ToolError("code must be a whole number of at least 0, got \(code)") }
            let explanation = XIDExplanation(code: code, policy: try HealthPolicyFile.parse(try await client.healthPolicyYAML()))
            return try ToolAnswer(explanation.text, explanation)

        case "health_policy":
            let yaml = try await client.healthPolicyYAML()
            return try ToolAnswer(yaml, ["yaml": yaml])

        case "cordon_node", "drain_node", "uncordon_node", "run_diagnostic":
            return try await nodeAction(tool.name, arguments, client: client, caller: caller, confirmed: confirmed)
        case "create_pool", "scale_pool", "delete_pool":
            return try await poolAction(tool.name, arguments, client: client, confirmed: confirmed)

        case "reset_breaker":
            let scope = try arguments.string("scope") ?? ""
            let open = try await client.serverInfo().breakers.filter { $0.open && (scope.isEmpty || $0.scope == scope || $0.scope == "pool \(scope)") }
            guard confirmed else {
                let preview = Preview(wouldDo: open.isEmpty ? "nothing: no open breaker matches" : "close \(open.map(\.scope).joined(separator: ", ")): automatic terminations and provisioning go ahead again")
                return try ToolAnswer("Not done (confirm is not true). Would \(preview.wouldDo).", preview)
            }
            let reset = try await client.resetBreaker(scope: scope, actor: caller)
            return try ToolAnswer(reset.isEmpty ? "no breaker was open" : "closed: \(reset.map(\.scope).joined(separator: ", "))", ["reset": reset])

        default:
            throw ToolError("unknown tool '\(tool.name)'")
        }
    }

    private func nodeAction(_ name: String, _ arguments: ToolArguments, client: NavarchClient, caller: String, confirmed: Bool) async throws -> ToolAnswer {
        let id = try arguments.requiredString("node_id")
        let node = try await client.node(id)
        let reason = try arguments.string("reason") ?? ""
        let force = name == "uncordon_node" ? try arguments.bool("force") : false
        let suite = name == "run_diagnostic" ? try arguments.string("suite") ?? "dcgm" : ""
        let level = name == "run_diagnostic" ? try arguments.int("level") ?? 1 : 0
        guard confirmed else {
            let verb: String
            switch name {
            case "cordon_node": verb = "cordon \(id): no new work is placed on it; running work goes on"
            case "drain_node": verb = "drain \(id): it is cordoned and its workloads are moved off"
            case "uncordon_node": verb = "uncordon \(id)" + (force ? " by force, without a passed validation" : "") + ": new work may be placed on it again"
            default: verb = "cordon and drain \(id), run the \(suite) diagnostic at level \(level), then uncordon it on a pass or remediate it on a failure"
            }
            let preview = Preview(wouldDo: verb + " (it is \(node.state.rawValue), \(node.health.rawValue), pool \(node.pool.isEmpty ? "-" : node.pool))",
                                  nodes: [id], instances: node.instanceID.isEmpty ? [] : [node.instanceID])
            return try ToolAnswer("Not done (confirm is not true). Would \(preview.wouldDo).", preview)
        }
        let changed: Node
        switch name {
        case "cordon_node": changed = try await client.cordon(id, reason: reason, actor: caller)
        case "drain_node": changed = try await client.drain(id, reason: reason, actor: caller)
        case "uncordon_node": changed = try await client.uncordon(id, force: force, reason: reason, actor: caller)
        default:
            let (node, command) = try await client.runDiagnostic(id, suite: suite, level: level)
            return try ToolAnswer("\(suite) diagnostic level \(level) started on \(id) (command \(command)); results arrive as events", node)
        }
        return try ToolAnswer("\(id) is now \(changed.state.rawValue)", changed)
    }

    private func poolAction(_ name: String, _ arguments: ToolArguments, client: NavarchClient, confirmed: Bool) async throws -> ToolAnswer {
        let poolName = try arguments.requiredString("name")
        if name == "create_pool" {
            let gpuType = try arguments.requiredString("gpu_type"), gpus = try arguments.requiredInt("gpus")
            let provider = try arguments.string("provider") ?? "", spot = try arguments.bool("spot")
            guard confirmed else {
                let type = try InstanceTypeCatalog.named(gpuType)
                guard gpus >= 1 else { throw ToolError("gpus must be at least 1, got \(gpus)") }
                let nodes = (gpus + type.gpusPerNode - 1) / type.gpusPerNode
                let info = try await client.serverInfo()
                let chosen = provider.isEmpty ? info.defaultProvider : provider
                guard info.providers.contains(chosen) else {
                    throw ToolError("provider '\(chosen)' is not configured on this control plane; configured: \(info.providers.joined(separator: ", "))")
                }
                let cost = Self.machinePrice(provider: chosen, gpuType: type.name, gpusPerNode: type.gpusPerNode, spot: spot).map { $0 * Double(nodes) }
                let preview = Preview(wouldDo: "create pool \(poolName) and buy \(nodes) \(type.name) node(s) of \(type.gpusPerNode) GPUs from \(chosen), for \(Self.money(cost))", hourlyCostChangeUSD: cost)
                return try ToolAnswer("Not done (confirm is not true). Would \(preview.wouldDo).", preview)
            }
            let pool = try await client.createPool(name: poolName, gpuType: gpuType, gpus: gpus, provider: provider, poolOptions: PoolOptions(spot: spot))
            return try ToolAnswer("pool \(pool.name) created: \(pool.desiredNodes) node(s) being provisioned from \(pool.provider)", pool)
        }
        guard let pool = try await client.pools().first(where: { $0.name == poolName }) else { throw ToolError("pool \(poolName) not found") }
        let price = Self.machinePrice(provider: pool.provider, gpuType: pool.gpuType, gpusPerNode: pool.gpusPerNode, spot: pool.options.spot)
        let live = try await client.instances(pool: poolName).filter { $0.state != .terminated }
        if name == "scale_pool" {
            let desired = try arguments.requiredInt("desired_nodes")
            guard desired >= 0 else { throw ToolError("desired_nodes must not be negative, got \(desired)") }
            guard confirmed else {
                let change = desired - pool.desiredNodes
                let verb = change == 0 ? "nothing: \(poolName) already wants \(desired) node(s)"
                    : change > 0 ? "buy \(change) more node(s) for \(poolName)" : "terminate \(-change) node(s) of \(poolName)"
                let preview = Preview(wouldDo: verb + " (\(pool.desiredNodes) to \(desired)), changing the hourly cost by \(Self.money(price.map { $0 * Double(change) }))",
                                      instances: live.map(\.id), hourlyCostChangeUSD: price.map { $0 * Double(change) })
                return try ToolAnswer("Not done (confirm is not true). Would \(preview.wouldDo).", preview)
            }
            let scaled = try await client.scalePool(name: poolName, desiredNodes: desired)
            return try ToolAnswer("pool \(poolName) now wants \(scaled.desiredNodes) node(s)", scaled)
        }
        guard confirmed else {
            let nodes = live.map(\.nodeID).filter { !$0.isEmpty }
            let preview = Preview(
                wouldDo: "terminate \(live.count) instance(s) of \(poolName) (\(nodes.count) registered node(s)), saving \(Self.money(price.map { $0 * Double(live.count) }))",
                nodes: nodes, instances: live.map(\.id), hourlyCostChangeUSD: price.map { -$0 * Double(live.count) })
            return try ToolAnswer("Not done (confirm is not true). Would \(preview.wouldDo).", preview)
        }
        let deleted = try await client.deletePool(name: poolName)
        return try ToolAnswer("pool \(poolName) is being deleted: its \(live.count) instance(s) are terminated, then the pool is forgotten", deleted)
    }
}
