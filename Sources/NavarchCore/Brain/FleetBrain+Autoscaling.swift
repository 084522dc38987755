import Foundation

extension FleetBrain {
    /// Records a pool's pending jobs (and running jobs per node) for its queue autoscaler.
    public mutating func reportQueue(pool name: String, depth: Int, nodeJobs: [String: Int], actor: String = "") throws -> Pool {
        guard !name.isEmpty else { throw NavarchError.invalidArgument("pool is required") }
        guard var pool = pools[name] else { throw NavarchError.notFound("pool \(name) not found") }
        guard depth >= 0 else { throw NavarchError.invalidArgument("queue depth must not be negative, got \(depth)") }
        if let bad = nodeJobs.first(where: { $0.value < 0 }) {
            throw NavarchError.invalidArgument("jobs on node \(bad.key) must not be negative, got \(bad.value)")
        }
        if let unknown = nodeJobs.keys.sorted().first(where: { nodes[$0]?.pool != name }) {
            throw NavarchError.notFound("node \(unknown) is not a node of pool \(name)")
        }
        let previous = pool.queueDepth
        pool.queueDepth = depth
        pool.nodeJobs = nodeJobs
        pool.queueReportedAt = now
        save(pool)
        if previous != depth {
            record("pool.queue", "\(depth) job(s) waiting (was \(previous))", pool: name, attributes: ["depth": "\(depth)", "actor": Self.operatorName(actor)])
        }
        return pool
    }

    /// Runs every pool's autoscaler once: metrics in, a new desired size out when the
    /// recommendation, the bounds and the cooldowns agree.
    public mutating func autoscale() {
        for name in pools.keys.sorted() {
            guard var pool = pools[name], !pool.deleting, var autoscaling = pool.autoscaling else { continue }
            let serving = unfinishedInstances(of: name).filter { $0.state.isLive && !$0.condemned }
            let readings = serving.compactMap { nodes[$0.nodeID] }.flatMap(\.gpus).compactMap { $0.metrics[GPU.utilizationMetric] }
            let utilization = readings.isEmpty ? nil : readings.reduce(0, +) / Double(readings.count)
            if let utilization { autoscaling.remember(UtilizationSample(time: now, percent: utilization)) }
            let metrics = AutoscalerMetrics(
                now: now, desiredNodes: pool.desiredNodes, servingNodes: serving.count, gpusPerNode: pool.gpusPerNode,
                utilization: utilization, utilizationHistory: autoscaling.utilizationHistory, queueDepth: pool.queueDepth,
                nodeJobs: pool.nodeJobs)
            let recommendation = autoscaling.autoscaler.make().recommend(metrics)
            let decision = ScalingDecider.decide(pool: pool, autoscaling: autoscaling, recommendation: recommendation, now: now)
            pool.autoscaling = autoscaling
            attempt("autoscaling failed", ["pool": name]) { brain in
                brain.save(pool)
                if let desired = decision.desiredNodes, desired != pool.desiredNodes {
                    _ = try brain.scalePool(name: name, desiredNodes: desired, actor: "navarch/autoscaler", reason: decision.reason, bounded: false)
                }
            }
        }
    }

    /// Creates the pools navarch.yaml defines that do not exist yet, and brings the bounds,
    /// labels and autoscaler of those that do up to date (their provider and type stay).
    public mutating func applyConfiguredPools(_ definitions: [ConfiguredPool]) throws {
        for definition in definitions {
            if var pool = pools[definition.name] {
                guard !pool.deleting else { continue }
                let before = pool
                pool.minNodes = definition.minNodes
                pool.maxNodes = definition.maxNodes
                pool.labels = definition.labels
                pool.strategy = definition.strategy
                pool.zones = definition.zones
                if let configured = definition.autoscaling {
                    var autoscaling = pool.autoscaling ?? configured
                    autoscaling.update(from: configured)
                    pool.autoscaling = autoscaling
                } else {
                    pool.autoscaling = nil
                }
                pool.desiredNodes = pool.clamped(pool.desiredNodes)
                if pool != before {
                    save(pool)
                    record("pool.configured", "updated from the configuration file", pool: pool.name, attributes: ["actor": "navarch/config"])
                }
            } else {
                _ = try createPool(
                    name: definition.name, provider: definition.provider, gpuType: definition.gpuType, gpus: definition.gpus,
                    options: definition.options, minNodes: definition.minNodes, maxNodes: definition.maxNodes, labels: definition.labels,
                    autoscaling: definition.autoscaling, actor: "navarch/config")
                if var pool = pools[definition.name], definition.strategy != nil || !definition.zones.isEmpty {
                    pool.strategy = definition.strategy
                    pool.zones = definition.zones
                    save(pool)
                }
            }
        }
    }
}
