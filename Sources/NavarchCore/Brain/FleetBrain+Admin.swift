import Foundation

extension FleetBrain {
    public func listNodes(pool: String?) -> [Node] {
        nodes.values.filter { pool == nil || $0.pool == pool }.sorted(by: Self.nodeOrder)
    }

    /// One page of the nodes `query` asks for.
    public func listNodes(_ query: NodeQuery) -> NodePage {
        query.page(of: nodes.values)
    }

    /// Each pool's registered and serving nodes.
    public func poolCounts() -> [String: PoolCounts] {
        PoolCounts.of(nodes.values)
    }

    public func node(_ nodeID: String) throws -> Node {
        guard !nodeID.isEmpty else { throw NavarchError.invalidArgument("node_id is required") }
        guard let node = nodes[nodeID] else { throw NavarchError.notFound("node \(nodeID) not found") }
        return node
    }

    public func listInstances(pool: String?) -> [Instance] {
        instances.values.filter { pool == nil || $0.pool == pool }.sorted { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) }
    }

    public func listPools() -> [Pool] {
        pools.values.sorted { $0.name < $1.name }
    }

    /// `pool-10` after `pool-9`: numeric suffixes sort as numbers.
    static func nodeOrder(_ a: Node, _ b: Node) -> Bool {
        NaturalOrder.precedes(a.id, b.id)
    }

    /// Creates a pool of enough nodes for `gpus` GPUs of `gpuType`.
    public mutating func createPool(
        name: String, provider requested: String, gpuType: String, gpus: Int, options: PoolOptions = PoolOptions(),
        minNodes: Int = 0, maxNodes: Int = 0, labels: [String: String] = [:], autoscaling: PoolAutoscaling? = nil, actor: String = ""
    ) throws -> Pool {
        try Pool.validate(name: name)
        guard minNodes >= 0, maxNodes >= 0 else { throw NavarchError.invalidArgument("min_nodes and max_nodes must not be negative") }
        guard maxNodes == 0 || minNodes <= maxNodes else {
            throw NavarchError.invalidArgument("min_nodes (\(minNodes)) is more than max_nodes (\(maxNodes))")
        }
        guard gpus > 0 || (gpus == 0 && (minNodes > 0 || autoscaling != nil)) else {
            throw NavarchError.invalidArgument("gpus must be at least 1, got \(gpus)")
        }
        if autoscaling != nil && maxNodes == 0 {
            throw NavarchError.invalidArgument("pool \(name) has an autoscaler but no max_nodes; set one to bound it")
        }
        let type = try InstanceTypeCatalog.named(gpuType)
        if let existing = pools[name] {
            throw NavarchError.alreadyExists(
                existing.deleting ? "pool \(name) is still being deleted" : "pool \(name) already exists")
        }
        let providerName: String
        if requested.isEmpty {
            let options = providers.keys.sorted().filter { $0 == policy.defaultProvider }
                .compactMap { name in providers[name].flatMap { $0.offers(type) ? ProvisionOption(provider: name, instanceType: type) : nil } }
            guard let choice = try scheduler.choose(from: options, context: SchedulingContext(pool: name)) else {
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
        var pool = Pool(
            name: name, provider: providerName, gpuType: type.name, gpusPerNode: type.gpusPerNode,
            desiredNodes: gpus > 0 ? InstanceTypeCatalog.nodes(forGPUs: gpus, of: type) : minNodes, createdAt: now, options: options,
            minNodes: minNodes, maxNodes: maxNodes, labels: labels, autoscaling: autoscaling)
        pool.desiredNodes = pool.clamped(pool.desiredNodes)
        save(pool)
        var attributes = ["gpus": "\(gpus)", "gpuType": type.name, "provider": providerName]
        if options.spot { attributes["spot"] = options.spotFallback == .onDemand ? "fallback-on-demand" : "true" }
        if options.placement == .cluster { attributes["placement"] = "cluster" }
        if minNodes > 0 || maxNodes > 0 { attributes["bounds"] = "\(minNodes)-\(maxNodes)" }
        if let autoscaling { attributes["autoscaler"] = autoscaling.autoscaler.summary }
        attributes["actor"] = actor.isEmpty ? Self.operatorName("") : actor
        let summary = options.summary.isEmpty ? "" : " (\(options.summary))"
        record(
            "pool.created", "\(pool.desiredNodes) node(s) of \(type.gpusPerNode)x \(type.gpuModel) on \(providerName)\(summary)",
            pool: name, attributes: attributes)
        pending.reconcile = true
        return pool
    }

    public mutating func scalePool(name: String, desiredNodes: Int, actor: String = "", reason: String = "", bounded: Bool = true) throws -> Pool {
        guard var pool = pools[name] else { throw NavarchError.notFound("pool \(name) not found") }
        guard !pool.deleting else { throw NavarchError.failedPrecondition("pool \(name) is being deleted") }
        guard desiredNodes >= 0 else { throw NavarchError.invalidArgument("desired_nodes must not be negative, got \(desiredNodes)") }
        if bounded, (pool.minNodes > 0 && desiredNodes < pool.minNodes) || (pool.maxNodes > 0 && desiredNodes > pool.maxNodes) {
            throw NavarchError.invalidArgument("pool \(name) is bounded to \(pool.minNodes)-\(pool.maxNodes) node(s); \(desiredNodes) is outside")
        }
        let previous = pool.desiredNodes
        pool.desiredNodes = desiredNodes
        if var autoscaling = pool.autoscaling, previous != desiredNodes {
            if desiredNodes > previous { autoscaling.lastScaleUp = now } else { autoscaling.lastScaleDown = now }
            pool.autoscaling = autoscaling
        }
        save(pool)
        let who = actor.isEmpty ? Self.operatorName("") : actor
        record(
            "pool.scaled", "\(previous) -> \(desiredNodes) node(s)\(reason.isEmpty ? "" : ": \(reason)")", pool: name,
            attributes: ["actor": who, "from": "\(previous)", "to": "\(desiredNodes)"])
        pending.reconcile = true
        return pool
    }

    public mutating func deletePool(name: String, actor: String = "") throws -> Pool {
        guard !name.isEmpty else { throw NavarchError.invalidArgument("pool name is required") }
        guard var pool = pools[name] else { throw NavarchError.notFound("pool \(name) not found") }
        if !pool.deleting {
            pool.deleting = true
            save(pool)
            record("pool.deleting", "terminating every instance of the pool", pool: name, attributes: ["actor": Self.operatorName(actor)])
        }
        pending.reconcile = true
        return pool
    }

    public mutating func cordon(nodeID: String, reason: String, actor: String = "") throws -> Node {
        let node = try node(nodeID)
        let why = reason.isEmpty ? "cordoned by operator" : reason
        let updated = try transition(nodeID: node.id, on: .cordon, reason: why, attributes: ["actor": Self.operatorName(actor)]) {
            $0.cordonReason = why
        }
        send(.cordon, to: node.id, reason: why)
        return updated
    }

    public mutating func drain(nodeID: String, reason: String, actor: String = "") throws -> Node {
        let node = try node(nodeID)
        let why = reason.isEmpty ? "drained by operator" : reason
        return try startDrain(node.id, reason: why, attributes: ["actor": Self.operatorName(actor)])
    }

    /// Puts a node back in service. A node that is unhealthy, or under repair, goes back only
    /// with `force`: the operator's word replaces the validation, and the audit record says so.
    public mutating func uncordon(nodeID: String, force: Bool = false, reason: String = "", actor: String = "") throws -> Node {
        let node = try node(nodeID)
        let who = Self.operatorName(actor)
        let condemned = instances[node.instanceID].flatMap { $0.condemned ? $0.condemnedReason : nil }
        let unvalidated = try UncordonRule.check(node, condemnedReason: condemned, force: force)
        let why = reason.isEmpty ? "uncordoned by \(who)" : "\(reason) (\(who))"
        var attributes = ["actor": who]
        if unvalidated { attributes["forced"] = "true" }
        let updated = try transition(nodeID: node.id, on: .uncordon, reason: why, attributes: attributes) {
            $0.cordonReason = ""
            if unvalidated { $0.remediation?.repair = nil; $0.remediation?.waiting = nil }
        }
        if unvalidated {
            record(
                "node.uncordoned_forced",
                "\(who) put the node back in service without validation (health \(node.health.rawValue)\(node.healthReason.isEmpty ? "" : ": \(node.healthReason)"))",
                node: node.id, instance: node.instanceID, pool: node.pool, attributes: attributes.merging(["health": node.health.rawValue]) { a, _ in a })
        }
        send(.uncordon, to: node.id, reason: why)
        return updated
    }

    /// Who asked, as recorded: the name the control plane authenticated (a token's, with
    /// what it acted through after it), or `operator` when none was given.
    static func operatorName(_ actor: String) -> String {
        actor.isEmpty ? "operator" : actor
    }

    public var providerNames: [String] { providers.keys.sorted() }
}
