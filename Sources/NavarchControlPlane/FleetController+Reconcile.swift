import Foundation
import NavarchCore

/// One provider call the reconciler runs outside the actor.
enum ProviderOperation: Sendable {
    case provision(ProvisionRequest, provider: String)
    case terminate(ProvisionedInstance, provider: String, instanceID: String)

    var instanceID: String {
        switch self {
        case .provision(let request, _): request.instanceID
        case .terminate(_, _, let instanceID): instanceID
        }
    }
}

extension FleetController {
    /// Looks at every pool and returns the provider calls to make. State changes that need no
    /// provider (failing, forgetting, requesting) are applied here. A pool costs its own
    /// unfinished instances, never the fleet's.
    func reconcile() async -> [ProviderOperation] {
        let now = clock.now
        var operations: [ProviderOperation] = []
        for name in pools.keys.sorted() {
            guard let pool = pools[name] else { continue }
            let mine = unfinishedInstances(of: name)
            var health: [String: HealthStatus] = [:], states: [String: NodeState] = [:]
            for instance in mine {
                if let node = nodes[instance.nodeID] { health[node.id] = node.health; states[node.id] = node.state }
            }
            let actions = reconciler.plan(
                pool: pool, instances: mine, nodeHealth: health, now: now, nodeStates: states,
                allowance: provisioningGuard.allowance(pool: pool.name))
            for action in actions {
                do {
                    if let operation = try await apply(action) { operations.append(operation) }
                } catch {
                    logger.error("reconcile action failed", metadata: ["action": "\(action)", "error": "\(error)"])
                }
            }
            // Resume what a crash interrupted: requested instances never handed to a provider,
            // and terminations never confirmed.
            for instance in unfinishedInstances(of: name) where !inFlight.contains(instance.id) {
                if instance.state == .requested || instance.state == .provisioning, let request = provisionRequest(for: instance) {
                    inFlight.insert(instance.id)
                    operations.append(.provision(request, provider: instance.provider))
                } else if instance.state == .terminating, terminateRetryAt[instance.id].map({ $0 <= now }) ?? true {
                    terminateRetryAt[instance.id] = nil
                    inFlight.insert(instance.id)
                    operations.append(.terminate(provisioned(instance), provider: instance.provider, instanceID: instance.id))
                }
            }
        }
        do { return try await admitWithinRateLimits(operations) } catch {
            // Nothing was handed to a provider: the calls are issued again at the next pass.
            logger.error("cannot record a rate-limit wait", metadata: ["error": "\(error)"])
            for operation in operations { inFlight.remove(operation.instanceID) }
            return []
        }
    }

    /// The pool's instances that are not terminated, by id.
    func unfinishedInstances(of pool: String) -> [Instance] {
        state.unfinishedInstances(of: pool)
    }

    /// When the reconciler must look again though nothing changed: the earliest pool deadline
    /// (a registration timeout, a replacement timeout, the end of a back-off), a termination
    /// to ask for again, or a rate limit's next token for a deferred call.
    func nextReconcile() -> Date? {
        let now = clock.now
        var candidates: [Date] = []
        for (name, pool) in pools {
            if let due = reconciler.nextDeadline(
                pool: pool, instances: unfinishedInstances(of: name), now: now, allowance: provisioningGuard.allowance(pool: name)) {
                candidates.append(due)
            }
        }
        candidates += terminateRetryAt.values
        if let token = admission.nextToken(at: now) { candidates.append(token) }
        return candidates.min()
    }

    /// Keeps the calls the provider and pool rate limits allow now; the others are given back to
    /// the reconciler, which issues them again when tokens are back (an instance stays requested,
    /// or terminating, meanwhile).
    func admitWithinRateLimits(_ operations: [ProviderOperation]) async throws -> [ProviderOperation] {
        let calls = operations.map { operation in
            switch operation {
            case .provision(let request, let provider):
                ProviderCallAdmission.Call(instanceID: request.instanceID, provider: provider, pool: request.pool, operation: .provision)
            case .terminate(let machine, let provider, let instanceID):
                ProviderCallAdmission.Call(instanceID: instanceID, provider: provider, pool: machine.pool, operation: .terminate)
            }
        }
        let (admitted, deferred) = admission.admit(calls, at: clock.now)
        let going = Set(admitted.map(\.instanceID))
        for call in calls where !going.contains(call.instanceID) { inFlight.remove(call.instanceID) }
        for wait in deferred {
            try await record(
                "rate_limit.deferred", "\(wait.count) \(wait.operation.rawValue) call(s) at \(wait.provider) wait for the rate limit (\(wait.limit))",
                pool: wait.pool, attributes: ["provider": wait.provider, "operation": wait.operation.rawValue])
        }
        return operations.filter { going.contains($0.instanceID) }
    }

    private func apply(_ action: FleetAction) async throws -> ProviderOperation? {
        switch action {
        case .provision(let poolName, let replacing):
            guard var pool = pools[poolName] else { return nil }
            let nodeID = "\(pool.name)-\(pool.nextNodeIndex)"
            pool.nextNodeIndex += 1
            try await save(pool)
            let provider = try await chooseProvider(for: pool, node: nodeID, replacing: replacing.flatMap { instances[$0] })
            let instance = Instance(
                id: ids.instanceID(),
                pool: pool.name, provider: provider, nodeID: nodeID, instanceType: pool.gpuType,
                createdAt: clock.now, replacesInstanceID: replacing ?? "")
            try await save(instance)
            try await record(
                "instance.requested",
                replacing.map { "node \(nodeID), replacing \(instances[$0]?.nodeID ?? $0)" } ?? "node \(nodeID)",
                node: nodeID, instance: instance.id, pool: pool.name)
            guard let request = provisionRequest(for: instance) else { return nil }
            inFlight.insert(instance.id)
            return .provision(request, provider: instance.provider)
        case .drain(let instanceID, let reason):
            guard let instance = instances[instanceID], let node = nodes[instance.nodeID],
                  NodeLifecycle.allows(.drain, in: node.state)
            else { return nil }
            try await startDrain(node.id, reason: reason, attributes: ["actor": "navarch/autoscaler"])
            return nil
        case .terminate(let instanceID, let reason):
            guard let instance = instances[instanceID], !inFlight.contains(instanceID) else { return nil }
            let gate = TerminationGate.decide(
                instance, poolDeleting: pools[instance.pool]?.deleting == true, openBreaker: openBreaker(forPool: instance.pool),
                coordinated: coordinator != nil, nodeState: nodes[instance.nodeID]?.state)
            switch gate {
            case .hold(let scope, let why):
                // An open breaker stops automatic terminations (a replaced node, a scale-down).
                if heldTerminations.insert(instanceID).inserted {
                    try await record(
                        "remediation.held", "termination held: circuit breaker of \(scope) is open (\(why)): \(reason)",
                        node: instance.nodeID, instance: instanceID, pool: instance.pool, attributes: ["actor": "navarch/circuit-breaker"])
                }
                return nil
            case .drainFirst:
                // The workload scheduler moves the node's work before the machine goes.
                heldTerminations.remove(instanceID)
                try await startDrain(instance.nodeID, reason: reason)
                return nil
            case .waitForDrain:
                heldTerminations.remove(instanceID)
                return nil
            case .proceed:
                heldTerminations.remove(instanceID)
            }
            let updated = try await transition(instanceID: instanceID, on: .terminate, reason: reason)
            if let node = nodes[instance.nodeID], node.state != .terminated {
                try await send(.terminate, to: node.id, reason: reason)
            }
            inFlight.insert(instanceID)
            return .terminate(provisioned(updated), provider: updated.provider, instanceID: instanceID)
        case .fail(let instanceID, let reason):
            let failed = try await transition(instanceID: instanceID, on: .fail, reason: reason) { $0.failureReason = reason }
            try await noteInstanceFailed(failed, neverRegistered: true, reason: reason)
            return nil
        case .forgetPool(let name):
            try await inWriteOrder { try await store.deletePool(named: name) }
            state.removePool(named: name)
            if provisioningGuard.reset(pool: name) != nil { try await saveProvisioningGuard() }
            try await record("pool.deleted", "every instance terminated", pool: name)
            return nil
        }
    }

    /// The provider for a pool's next instance, as ``ProviderChoice`` decides; a failover is recorded.
    func chooseProvider(for pool: Pool, node: String, replacing: Instance? = nil) async throws -> String {
        var live: [String: Int] = [:]
        for instance in unfinishedInstances(of: pool.name) where instance.state.isLive { live[instance.provider, default: 0] += 1 }
        let choice = ProviderChoice.choose(
            candidates: pool.providerCandidates, type: try? InstanceTypeCatalog.named(pool.gpuType),
            capacityFailures: capacityFailures[pool.name] ?? [:], retryAfter: configuration.capacityRetryAfter.timeInterval,
            replacing: replacing?.provider, scheduler: scheduler(for: pool),
            context: SchedulingContext(pool: pool.name, instancesByProvider: live), now: clock.now)
        if let error = choice.schedulerError {
            logger.error("the scheduler failed; the pool's first eligible provider is used", metadata: ["pool": "\(pool.name)", "error": "\(error)"])
        }
        if !choice.passedOver.isEmpty {
            let reasons = choice.passedOver.map { "\($0.provider): \($0.reason)" }.joined(separator: "; ")
            try await record(
                "instance.failover", "node \(node) goes to \(choice.provider): no capacity at \(reasons)", node: node, pool: pool.name,
                attributes: ["provider": choice.provider, "passedOver": choice.passedOver.map(\.provider).joined(separator: ",")])
        }
        return choice.provider.isEmpty ? pool.provider : choice.provider
    }

    /// The pool's own strategy's scheduler, or the control plane's.
    func scheduler(for pool: Pool) -> any Scheduler {
        pool.strategy?.makeScheduler() ?? scheduler
    }

    private func provisionRequest(for instance: Instance) -> ProvisionRequest? {
        guard let type = try? InstanceTypeCatalog.named(instance.instanceType) else { return nil }
        var request = ProvisionRequest(
            instanceID: instance.id, nodeID: instance.nodeID, pool: instance.pool, instanceType: type,
            controlPlaneAddress: controlPlaneAddress)
        if let options = pools[instance.pool]?.options {
            // A provider without spot capacity gets on-demand requests (the pool allowed it).
            request.spot = options.spot && providers[instance.provider]?.supportsSpot == true && !onDemandOnly.contains(instance.id)
            request.onDemandFallback = options.spotFallback == .onDemand
            request.placement = options.placement
        }
        request.zones = pools[instance.pool]?.zones ?? []
        if let provider = providers[instance.provider], provider.bootstrapsAgent, let joinTokens, let agentDownload {
            let spot = provider.spotNotices.map { ["--spot-notices", $0] } ?? []
            request.userData = AgentBootstrap(
                agentURL: agentDownload.url, agentSHA256: agentDownload.sha256, controlPlaneAddress: controlPlaneAddress,
                nodeID: instance.nodeID, instanceID: instance.id, pool: instance.pool,
                joinToken: joinTokens.issue(instanceID: instance.id, now: clock.now),
                agentArguments: configuration.agentArguments + ["--expect-gpus", "\(type.gpusPerNode)"] + spot
            ).userData()
        }
        return request
    }

    private func provisioned(_ instance: Instance) -> ProvisionedInstance {
        ProvisionedInstance(
            instanceID: instance.id, providerInstanceID: instance.providerInstanceID, nodeID: instance.nodeID,
            pool: instance.pool)
    }

    func provider(named name: String) -> (any Provider)? { providers[name] }

    /// Marks the start of a provider call for a requested instance.
    func provisionStarted(instanceID: String) async throws {
        guard let instance = instances[instanceID], instance.state == .requested else { return }
        try await transition(instanceID: instanceID, on: .startProvisioning)
    }


    /// Records the outcome of a provision call. When it cannot be stored the instance stays
    /// as it was, and the next pass asks the provider again (with the same idempotency token).
    func provisionFinished(instanceID: String, result: Result<ProvisionedInstance, any Error>) async throws {
        // In flight until its outcome is stored: a pass meanwhile must not ask again.
        defer {
            inFlight.remove(instanceID)
            wake()
        }
        guard let instance = instances[instanceID] else { return }
        switch result {
        case .success(let machine):
            onDemandOnly.remove(instanceID)
            if instance.state == .provisioning {
                try await transition(instanceID: instanceID, on: .provisioned, reason: "provider id \(machine.providerInstanceID)") {
                    $0.providerInstanceID = machine.providerInstanceID
                }
            } else if instance.providerInstanceID != machine.providerInstanceID {
                var updated = instance
                updated.providerInstanceID = machine.providerInstanceID
                try await save(updated)
            }
        case .failure(let error):
            let options = pools[instance.pool]?.options
            if SpotFallback.retryOnDemand(
                after: error, spotRequested: (options?.spot ?? false) && providers[instance.provider]?.supportsSpot == true,
                poolAllows: options?.spotFallback == .onDemand, askedOnDemandAlready: onDemandOnly.contains(instanceID)) {
                // The same provider, on-demand, before any failover: the next pass asks again.
                try await record(
                    "instance.spot_fallback", "no spot capacity at \(instance.provider); asking for on-demand: \(error)", node: instance.nodeID,
                    instance: instanceID, pool: instance.pool, attributes: ["provider": instance.provider])
                onDemandOnly.insert(instanceID)
                return
            }
            onDemandOnly.remove(instanceID)
            if let capacity = error as? any CapacityError, capacity.isInsufficientCapacity {
                capacityFailures[instance.pool, default: [:]][instance.provider] = (clock.now, "\(error)")
            }
            let reason = "provision failed: \(error)"
            if InstanceLifecycle.allows(.fail, in: instance.state) {
                let failed = try await transition(instanceID: instanceID, on: .fail, reason: reason) { $0.failureReason = reason }
                try await noteInstanceFailed(failed, neverRegistered: false, reason: reason)
            }
        }
    }

    /// Records the outcome of a terminate call.
    func terminateFinished(instanceID: String, error: (any Error)?) async throws {
        // In flight until its outcome is stored: a pass meanwhile must not terminate it again.
        defer {
            inFlight.remove(instanceID)
            wake()
        }
        guard let instance = instances[instanceID] else { return }
        if let error {
            // Asked again after a pause, not at once: a provider that refuses now likely will again.
            terminateRetryAt[instanceID] = clock.now.addingTimeInterval(2)
            try await record("instance.terminate_failed", "will retry: \(error)", node: instance.nodeID, instance: instanceID, pool: instance.pool)
            return
        }
        // The node first: once the instance is terminated the reconciler may forget the pool,
        // and nothing of the pool should be recorded after that.
        state.heartbeats.forget(instance.nodeID)
        if let node = nodes[instance.nodeID], node.state != .terminated {
            try await transition(nodeID: node.id, on: .terminate, reason: "instance \(instanceID) terminated")
        }
        try await transition(instanceID: instanceID, on: .terminated)
        wake()
    }

    /// The machines of `machines` that are orphans: alive at the provider for an instance this
    /// control plane has terminated. Each is recorded; machines it does not know are reported once.
    func orphans(provider name: String, machines: [ProvisionedInstance]) async throws -> [ProvisionedInstance] {
        var orphans: [ProvisionedInstance] = []
        for machine in machines where machine.isAlive && !inFlight.contains(machine.instanceID) {
            if let instance = instances[machine.instanceID] {
                guard instance.state == .terminated else { continue }
                orphans.append(machine)
                try await record(
                    "instance.orphan", "\(name) still runs \(machine.providerInstanceID) for this terminated instance; terminating it",
                    node: instance.nodeID, instance: instance.id, pool: instance.pool)
            } else if reportedUnknown.insert(machine.instanceID).inserted {
                try await record(
                    "instance.unknown", "\(name) runs \(machine.providerInstanceID) (node \(machine.nodeID)) that this control plane does not know",
                    node: machine.nodeID, instance: machine.instanceID, pool: machine.pool)
            }
        }
        return orphans
    }

    /// Reconciles the providers' view with ours after a start: known instances the provider no
    /// longer has are marked terminated, machines it has that we do not know are reported.
    func adopt(provider name: String, machines: [ProvisionedInstance]) async throws {
        let alive = Dictionary(machines.filter(\.isAlive).map { ($0.instanceID, $0) }, uniquingKeysWith: { a, _ in a })
        for instance in instances.values where instance.provider == name && instance.state != .terminated {
            if let machine = alive[instance.id] {
                if instance.providerInstanceID != machine.providerInstanceID, instance.state != .requested {
                    var updated = instance
                    updated.providerInstanceID = machine.providerInstanceID
                    try await save(updated)
                }
                try await record("instance.found", "still running at \(name) as \(machine.providerInstanceID)", node: instance.nodeID, instance: instance.id, pool: instance.pool)
            } else if [.booting, .registered, .running, .terminating, .failed].contains(instance.state) {
                try await transition(instanceID: instance.id, on: .vanish, reason: "\(name) no longer has it")
                if let node = nodes[instance.nodeID], node.state != .terminated {
                    try await transition(nodeID: node.id, on: .terminate, reason: "instance gone from \(name)")
                }
                state.heartbeats.forget(instance.nodeID)
            }
        }
        for machine in alive.values where instances[machine.instanceID] == nil && reportedUnknown.insert(machine.instanceID).inserted {
            try await record(
                "instance.unknown", "\(name) runs \(machine.providerInstanceID) (node \(machine.nodeID)) that this control plane does not know",
                node: machine.nodeID, instance: machine.instanceID, pool: machine.pool)
        }
        wake()
    }
}
