import Foundation
import NavarchCore

extension FleetController {
    func listNodes(pool: String?) -> [Node] {
        nodes.values.filter { pool == nil || $0.pool == pool }.sorted(by: Self.nodeOrder)
    }

    func node(_ nodeID: String) throws -> Node {
        guard !nodeID.isEmpty else { throw NavarchError.invalidArgument("node_id is required") }
        guard let node = nodes[nodeID] else { throw NavarchError.notFound("node \(nodeID) not found") }
        return node
    }

    func listInstances(pool: String?) -> [Instance] {
        instances.values.filter { pool == nil || $0.pool == pool }.sorted { $0.createdAt < $1.createdAt }
    }

    func listPools() -> [Pool] {
        pools.values.sorted { $0.name < $1.name }
    }

    /// `pool-10` after `pool-9`: numeric suffixes sort as numbers.
    static func nodeOrder(_ a: Node, _ b: Node) -> Bool {
        a.id.localizedStandardCompare(b.id) == .orderedAscending
    }

    /// Creates a pool of enough nodes for `gpus` GPUs of `gpuType`.
    func createPool(name: String, provider requested: String, gpuType: String, gpus: Int, options: PoolOptions = PoolOptions()) async throws -> Pool {
        try Pool.validate(name: name)
        guard gpus > 0 else { throw NavarchError.invalidArgument("gpus must be at least 1, got \(gpus)") }
        let type = try InstanceTypeCatalog.named(gpuType)
        if let existing = pools[name] {
            throw NavarchError.alreadyExists(
                existing.deleting ? "pool \(name) is still being deleted" : "pool \(name) already exists")
        }
        let providerName: String
        if requested.isEmpty {
            let options = providers.keys.sorted().filter { $0 == configuration.defaultProvider }
                .compactMap { name in providers[name].flatMap { $0.offers(type) ? ProvisionOption(provider: name, instanceType: type) : nil } }
            guard let choice = try await scheduler.choose(from: options) else {
                throw NavarchError.invalidArgument("no configured provider offers GPU type \(type.name)")
            }
            providerName = choice.provider
        } else {
            // One provider, or several in order of preference (`aws,lambda`): capacity errors fail over.
            let candidates = Pool.providerCandidates(requested)
            for candidate in candidates {
                guard let provider = providers[candidate] else {
                    throw NavarchError.invalidArgument(
                        "unknown provider '\(candidate)'; configured: \(providers.keys.sorted().joined(separator: ", "))")
                }
                guard provider.offers(type) else {
                    throw NavarchError.invalidArgument("provider \(candidate) does not offer GPU type \(type.name)")
                }
            }
            guard !candidates.isEmpty else { throw NavarchError.invalidArgument("provider list '\(requested)' names no provider") }
            providerName = candidates.joined(separator: ",")
        }
        for candidate in Pool.providerCandidates(providerName) {
            guard let provider = providers[candidate] else { continue }
            if options.spot && !provider.supportsSpot && options.spotFallback != .onDemand {
                throw NavarchError.invalidArgument(
                    "provider \(candidate) offers no spot capacity; use spot_fallback: on-demand to take on-demand machines there")
            }
            if options.placement == .cluster && !provider.supportsClusterPlacement {
                throw NavarchError.invalidArgument(
                    "provider \(candidate) cannot place pool \(name) as a cluster: it has no placement groups (aws, gcp and azure have)")
            }
        }
        let pool = Pool(
            name: name, provider: providerName, gpuType: type.name, gpusPerNode: type.gpusPerNode,
            desiredNodes: InstanceTypeCatalog.nodes(forGPUs: gpus, of: type), createdAt: clock.now, options: options)
        try await save(pool)
        var attributes = ["gpus": "\(gpus)", "gpuType": type.name, "provider": providerName]
        if options.spot { attributes["spot"] = options.spotFallback == .onDemand ? "fallback-on-demand" : "true" }
        if options.placement == .cluster { attributes["placement"] = "cluster" }
        let summary = options.summary.isEmpty ? "" : " (\(options.summary))"
        await record(
            "pool.created", "\(pool.desiredNodes) node(s) of \(type.gpusPerNode)x \(type.gpuModel) on \(providerName)\(summary)",
            pool: name, attributes: attributes)
        wake()
        return pool
    }

    func scalePool(name: String, desiredNodes: Int) async throws -> Pool {
        guard var pool = pools[name] else { throw NavarchError.notFound("pool \(name) not found") }
        guard !pool.deleting else { throw NavarchError.failedPrecondition("pool \(name) is being deleted") }
        guard desiredNodes >= 0 else { throw NavarchError.invalidArgument("desired_nodes must not be negative, got \(desiredNodes)") }
        let previous = pool.desiredNodes
        pool.desiredNodes = desiredNodes
        try await save(pool)
        await record("pool.scaled", "\(previous) -> \(desiredNodes) node(s)", pool: name)
        wake()
        return pool
    }

    func deletePool(name: String) async throws -> Pool {
        guard !name.isEmpty else { throw NavarchError.invalidArgument("pool name is required") }
        guard var pool = pools[name] else { throw NavarchError.notFound("pool \(name) not found") }
        if !pool.deleting {
            pool.deleting = true
            try await save(pool)
            await record("pool.deleting", "terminating every instance of the pool", pool: name)
        }
        wake()
        return pool
    }

    func cordon(nodeID: String, reason: String) async throws -> Node {
        let node = try node(nodeID)
        let why = reason.isEmpty ? "cordoned by operator" : reason
        let updated = try await transition(nodeID: node.id, on: .cordon, reason: why) { $0.cordonReason = why }
        try await send(.cordon, to: node.id, reason: why)
        return updated
    }

    func drain(nodeID: String, reason: String) async throws -> Node {
        let node = try node(nodeID)
        let why = reason.isEmpty ? "drained by operator" : reason
        let updated = try await transition(nodeID: node.id, on: .drain, reason: why) { $0.cordonReason = why }
        try await send(.drain, to: node.id, reason: why)
        return updated
    }

    func uncordon(nodeID: String) async throws -> Node {
        let node = try node(nodeID)
        if let instance = instances[node.instanceID], instance.condemned {
            throw NavarchError.failedPrecondition(
                "node \(nodeID) is being replaced (\(instance.condemnedReason)); it cannot be uncordoned")
        }
        let updated = try await transition(nodeID: node.id, on: .uncordon, reason: "uncordoned by operator") {
            $0.cordonReason = ""
        }
        try await send(.uncordon, to: node.id, reason: "uncordoned by operator")
        return updated
    }

    func listEvents(after sequence: Int64, limit: Int, nodeID: String?, pool: String?) async throws -> [FleetEvent] {
        try await store.events(after: sequence, limit: limit, nodeID: nodeID, pool: pool)
    }

    nonisolated func subscribeEvents() -> AsyncStream<FleetEvent> {
        events.subscribe()
    }

    var providerNames: [String] { providers.keys.sorted() }
}
