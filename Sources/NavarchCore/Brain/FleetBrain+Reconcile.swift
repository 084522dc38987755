import Foundation

extension FleetBrain {
    /// Looks at the pools that changed since the last pass, or whose deadline came (a timeout,
    /// the end of a back-off, a termination to ask again, calls a rate limit deferred), and
    /// returns the provider calls to make. State changes that need no provider (failing,
    /// forgetting, requesting) are applied here. A pool costs its own unfinished instances,
    /// never the fleet's, and a pass costs only the pools it must look at.
    public mutating func reconcile() -> [ProviderOperation] {
        var operations: [ProviderOperation] = []
        let retrying = Set(book.terminateRetryAt.filter { $0.value <= now }.compactMap { instances[$0.key]?.pool })
        let planned = pools.keys.filter { name in
            book.allPoolsDirty || book.dirtyPools.contains(name) || book.deferredPools.contains(name) || retrying.contains(name)
                || book.poolDeadlines[name].map { $0 <= now } ?? false
        }.sorted()
        // What this pass changes marks its pools for the next one.
        book.allPoolsDirty = false
        book.dirtyPools = []
        book.deferredPools = []
        for name in planned {
            guard let pool = pools[name] else { continue }
            // Running and waiting instances that are not in trouble are only counted, unless the
            // pool shrinks or goes: a pass costs what changed in the pool, not its size.
            var mine = state.unsteadyInstances(of: name)
            var counted = counted(in: name, given: mine)
            if pool.deleting || mine.count(where: { $0.state.isLive && !$0.condemned }) + counted.serving > pool.desiredNodes {
                mine = unfinishedInstances(of: name)
                counted = .none
            }
            var health: [String: HealthStatus] = [:], states: [String: NodeState] = [:]
            for instance in mine {
                if let node = nodes[instance.nodeID] { health[node.id] = node.health; states[node.id] = node.state }
            }
            let actions = reconciler.plan(
                pool: pool, instances: mine, nodeHealth: health, now: now, nodeStates: states,
                allowance: book.provisioningGuard.allowance(pool: pool.name), counted: counted)
            for action in actions {
                attempt("reconcile action failed", ["action": "\(action)"]) { brain in
                    if let operation = try brain.apply(action) { operations.append(operation) }
                }
            }
            // Resume what a crash interrupted, or the rate limits held back: requested instances
            // never handed to a provider, and terminations never confirmed. No more are asked
            // for than the pool's limit could let through (one more, so that a wait is seen).
            var provisions = 0
            let current = actions.isEmpty ? mine : (counted == .none ? unfinishedInstances(of: name) : state.unsteadyInstances(of: name))
            let waiting = counted == .none ? [] : state.membership.waitingIDs(of: name)
            for instance in current where !book.inFlight.contains(instance.id) {
                if let operation = resume(instance, provisions: &provisions) { operations.append(operation) }
            }
            for id in waiting where provisions <= policy.rateLimits.provisionsPerPool && !book.inFlight.contains(id) {
                if let instance = instances[id], let operation = resume(instance, provisions: &provisions) { operations.append(operation) }
            }
            let countedNow = counted == .none || actions.isEmpty ? counted : self.counted(in: name, given: current)
            book.poolDeadlines[name] = pools[name].flatMap { pool in
                reconciler.nextDeadline(pool: pool, instances: current, now: now, allowance: book.provisioningGuard.allowance(pool: name), counted: countedNow)
            }
        }
        return admitWithinRateLimits(operations)
    }

    /// The provider call that carries on where `instance` stopped: a provision never handed to
    /// a provider (while the pool's limit lets one more through), or a termination never confirmed.
    private mutating func resume(_ instance: Instance, provisions: inout Int) -> ProviderOperation? {
        if instance.state == .requested || instance.state == .provisioning, provisions <= policy.rateLimits.provisionsPerPool,
           let request = provisionRequest(for: instance) {
            provisions += 1
            book.inFlight.insert(instance.id)
            return .provision(request, provider: instance.provider)
        } else if instance.state == .terminating, book.terminateRetryAt[instance.id].map({ $0 <= now }) ?? true {
            book.terminateRetryAt[instance.id] = nil
            book.inFlight.insert(instance.id)
            return .terminate(provisioned(instance), provider: instance.provider, instanceID: instance.id)
        }
        return nil
    }

    /// The pool's instances that are not terminated, by id.
    func unfinishedInstances(of pool: String) -> [Instance] {
        state.unfinishedInstances(of: pool)
    }

    /// The pool's running and waiting instances that are not in trouble, as a plan counts them
    /// without being given them, with which of the `given` condemned instances they replace.
    func counted(in pool: String, given: [Instance]) -> PoolReconciler.Counted {
        var replacing: [String: Int] = [:]
        for instance in given where instance.condemned {
            let replacements = state.membership.countedReplacements(of: instance.id, pool: pool)
            if replacements > 0 { replacing[instance.id] = replacements }
        }
        return PoolReconciler.Counted(
            ready: state.membership.readyCount(of: pool), notReady: state.membership.notReadyCount(of: pool),
            waiting: state.membership.waitingCount(of: pool), replacing: replacing)
    }

    /// When the reconciler must look again though nothing changed: the earliest pool deadline
    /// (a registration timeout, a replacement timeout, the end of a back-off), a termination
    /// to ask for again, or a rate limit's next token for a deferred call. (A change asks for a
    /// pass through its transition's `reconcile`.)
    public func nextReconcile(at now: Date) -> Date? {
        var candidates = Array(book.poolDeadlines.values)
        candidates += book.terminateRetryAt.values
        if let token = book.admission.nextToken(at: now) { candidates.append(token) }
        return candidates.min()
    }

    /// Keeps the calls the provider and pool rate limits allow now; the others are given back to
    /// the reconciler, which issues them again when tokens are back (an instance stays requested,
    /// or terminating, meanwhile).
    mutating func admitWithinRateLimits(_ operations: [ProviderOperation]) -> [ProviderOperation] {
        let calls = operations.map { operation in
            switch operation {
            case .provision(let request, let provider):
                ProviderCallAdmission.Call(instanceID: request.instanceID, provider: provider, pool: request.pool, operation: .provision)
            case .terminate(let machine, let provider, let instanceID):
                ProviderCallAdmission.Call(instanceID: instanceID, provider: provider, pool: machine.pool, operation: .terminate)
            }
        }
        let (admitted, deferred) = book.admission.admit(calls, at: now)
        let going = Set(admitted.map(\.instanceID))
        for call in calls where !going.contains(call.instanceID) { book.inFlight.remove(call.instanceID) }
        for call in calls where !going.contains(call.instanceID) { book.deferredPools.insert(call.pool) }
        for wait in deferred {
            record(
                "rate_limit.deferred", "\(wait.count) \(wait.operation.rawValue) call(s) at \(wait.provider) wait for the rate limit (\(wait.limit))",
                pool: wait.pool, attributes: ["provider": wait.provider, "operation": wait.operation.rawValue])
        }
        return operations.filter { going.contains($0.instanceID) }
    }

    private mutating func apply(_ action: FleetAction) throws -> ProviderOperation? {
        switch action {
        case .provision(let poolName, let replacing):
            guard var pool = pools[poolName] else { return nil }
            let nodeID = "\(pool.name)-\(pool.nextNodeIndex)"
            pool.nextNodeIndex += 1
            save(pool)
            let provider = try chooseProvider(for: pool, node: nodeID, replacing: replacing.flatMap { instances[$0] })
            let instance = Instance(
                id: book.ids.instanceID(),
                pool: pool.name, provider: provider, nodeID: nodeID, instanceType: pool.gpuType,
                createdAt: now, replacesInstanceID: replacing ?? "")
            save(instance)
            record(
                "instance.requested",
                replacing.map { "node \(nodeID), replacing \(instances[$0]?.nodeID ?? $0)" } ?? "node \(nodeID)",
                node: nodeID, instance: instance.id, pool: pool.name)
            guard let request = provisionRequest(for: instance) else { return nil }
            book.inFlight.insert(instance.id)
            return .provision(request, provider: instance.provider)
        case .drain(let instanceID, let reason):
            guard let instance = instances[instanceID], let node = nodes[instance.nodeID],
                  NodeLifecycle.allows(.drain, in: node.state)
            else { return nil }
            try startDrain(node.id, reason: reason, attributes: ["actor": "navarch/autoscaler"])
            return nil
        case .terminate(let instanceID, let reason):
            guard let instance = instances[instanceID], !book.inFlight.contains(instanceID) else { return nil }
            let gate = TerminationGate.decide(
                instance, poolDeleting: pools[instance.pool]?.deleting == true, openBreaker: openBreaker(forPool: instance.pool),
                coordinated: policy.coordinator != nil, nodeState: nodes[instance.nodeID]?.state)
            switch gate {
            case .hold(let scope, let why):
                // An open breaker stops automatic terminations (a replaced node, a scale-down).
                if book.heldTerminations.insert(instanceID).inserted {
                    record(
                        "remediation.held", "termination held: circuit breaker of \(scope) is open (\(why)): \(reason)",
                        node: instance.nodeID, instance: instanceID, pool: instance.pool, attributes: ["actor": "navarch/circuit-breaker"])
                }
                return nil
            case .drainFirst:
                // The workload scheduler moves the node's work before the machine goes.
                book.heldTerminations.remove(instanceID)
                try startDrain(instance.nodeID, reason: reason)
                return nil
            case .waitForDrain:
                book.heldTerminations.remove(instanceID)
                return nil
            case .proceed:
                book.heldTerminations.remove(instanceID)
            }
            let updated = try transition(instanceID: instanceID, on: .terminate, reason: reason)
            if let node = nodes[instance.nodeID], node.state != .terminated {
                send(.terminate, to: node.id, reason: reason)
            }
            book.inFlight.insert(instanceID)
            return .terminate(provisioned(updated), provider: updated.provider, instanceID: instanceID)
        case .fail(let instanceID, let reason):
            let failed = try transition(instanceID: instanceID, on: .fail, reason: reason) { $0.failureReason = reason }
            try noteInstanceFailed(failed, neverRegistered: true, reason: reason)
            return nil
        case .forgetPool(let name):
            forget(pool: name)
            if book.provisioningGuard.reset(pool: name) != nil { try saveProvisioningGuard() }
            record("pool.deleted", "every instance terminated", pool: name)
            return nil
        }
    }

    /// The provider for a pool's next instance, as ``ProviderChoice`` decides; a failover is recorded.
    mutating func chooseProvider(for pool: Pool, node: String, replacing: Instance? = nil) throws -> String {
        let live = state.membership.liveByProvider(of: pool.name)
        let choice = ProviderChoice.choose(
            candidates: pool.providerCandidates, type: try? InstanceTypeCatalog.named(pool.gpuType),
            capacityFailures: book.capacityFailures[pool.name] ?? [:], retryAfter: policy.capacityRetryAfter.timeInterval,
            replacing: replacing?.provider, scheduler: scheduler(for: pool),
            context: SchedulingContext(pool: pool.name, instancesByProvider: live), now: now)
        if let error = choice.schedulerError {
            log(.error, "the scheduler failed; the pool's first eligible provider is used", ["pool": "\(pool.name)", "error": "\(error)"])
        }
        if !choice.passedOver.isEmpty {
            let reasons = choice.passedOver.map { "\($0.provider): \($0.reason)" }.joined(separator: "; ")
            record(
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
            controlPlaneAddress: book.controlPlaneAddress)
        if let options = pools[instance.pool]?.options {
            // A provider without spot capacity gets on-demand requests (the pool allowed it).
            request.spot = options.spot && providers[instance.provider]?.supportsSpot == true && !book.onDemandOnly.contains(instance.id)
            request.onDemandFallback = options.spotFallback == .onDemand
            request.placement = options.placement
        }
        request.zones = pools[instance.pool]?.zones ?? []
        return request
    }

    private func provisioned(_ instance: Instance) -> ProvisionedInstance {
        ProvisionedInstance(
            instanceID: instance.id, providerInstanceID: instance.providerInstanceID, nodeID: instance.nodeID,
            pool: instance.pool)
    }

    /// The instance's pool is planned again on the next pass.
    mutating func markPoolDirty(ofInstance instanceID: String) {
        if let pool = instances[instanceID]?.pool { book.dirtyPools.insert(pool) }
    }

    /// A provider call whose outcome could not be applied: the instance is no longer in flight,
    /// and the next pass asks again.
    public mutating func providerCallAbandoned(instanceID: String) {
        book.inFlight.remove(instanceID)
        markPoolDirty(ofInstance: instanceID)
    }

    /// Marks the start of a provider call for a requested instance.
    public mutating func provisionStarted(instanceID: String) throws {
        guard let instance = instances[instanceID], instance.state == .requested else { return }
        try transition(instanceID: instanceID, on: .startProvisioning)
    }


    /// Records the outcome of a provision call. When it cannot be stored the instance stays
    /// as it was, and the next pass asks the provider again (with the same idempotency token).
    public mutating func provisionFinished(instanceID: String, result: Result<ProvisionedInstance, any Error>) throws {
        // In flight until its outcome is stored: a pass meanwhile must not ask again.
        defer {
            book.inFlight.remove(instanceID)
            markPoolDirty(ofInstance: instanceID)
            pending.reconcile = true
        }
        guard let instance = instances[instanceID] else { return }
        switch result {
        case .success(let machine):
            book.onDemandOnly.remove(instanceID)
            if instance.state == .provisioning {
                try transition(instanceID: instanceID, on: .provisioned, reason: "provider id \(machine.providerInstanceID)") {
                    $0.providerInstanceID = machine.providerInstanceID
                }
            } else if instance.providerInstanceID != machine.providerInstanceID {
                var updated = instance
                updated.providerInstanceID = machine.providerInstanceID
                save(updated)
            }
        case .failure(let error):
            let options = pools[instance.pool]?.options
            if SpotFallback.retryOnDemand(
                after: error, spotRequested: (options?.spot ?? false) && providers[instance.provider]?.supportsSpot == true,
                poolAllows: options?.spotFallback == .onDemand, askedOnDemandAlready: book.onDemandOnly.contains(instanceID)) {
                // The same provider, on-demand, before any failover: the next pass asks again.
                record(
                    "instance.spot_fallback", "no spot capacity at \(instance.provider); asking for on-demand: \(error)", node: instance.nodeID,
                    instance: instanceID, pool: instance.pool, attributes: ["provider": instance.provider])
                book.onDemandOnly.insert(instanceID)
                return
            }
            book.onDemandOnly.remove(instanceID)
            if let capacity = error as? any CapacityError, capacity.isInsufficientCapacity {
                book.capacityFailures[instance.pool, default: [:]][instance.provider] = (now, "\(error)")
            }
            let reason = "provision failed: \(error)"
            if InstanceLifecycle.allows(.fail, in: instance.state) {
                let failed = try transition(instanceID: instanceID, on: .fail, reason: reason) { $0.failureReason = reason }
                try noteInstanceFailed(failed, neverRegistered: false, reason: reason)
            }
        }
    }

    /// Records the outcome of a terminate call.
    public mutating func terminateFinished(instanceID: String, error: (any Error)?) throws {
        // In flight until its outcome is stored: a pass meanwhile must not terminate it again.
        defer {
            book.inFlight.remove(instanceID)
            markPoolDirty(ofInstance: instanceID)
            pending.reconcile = true
        }
        guard let instance = instances[instanceID] else { return }
        if let error {
            // Asked again after a pause, not at once: a provider that refuses now likely will again.
            book.terminateRetryAt[instanceID] = now.addingTimeInterval(policy.terminateRetryAfter.timeInterval)
            record("instance.terminate_failed", "will retry: \(error)", node: instance.nodeID, instance: instanceID, pool: instance.pool)
            return
        }
        // The node first: once the instance is terminated the reconciler may forget the pool,
        // and nothing of the pool should be recorded after that.
        state.heartbeats.forget(instance.nodeID)
        if let node = nodes[instance.nodeID], node.state != .terminated {
            try transition(nodeID: node.id, on: .terminate, reason: "instance \(instanceID) terminated")
        }
        try transition(instanceID: instanceID, on: .terminated)
        pending.reconcile = true
    }

    /// The machines of `machines` that are orphans: alive at the provider for an instance this
    /// control plane has terminated. Each is recorded; machines it does not know are reported once.
    public mutating func orphans(provider name: String, machines: [ProvisionedInstance]) throws -> [ProvisionedInstance] {
        var orphans: [ProvisionedInstance] = []
        for machine in machines where machine.isAlive && !book.inFlight.contains(machine.instanceID) {
            if let instance = instances[machine.instanceID] {
                guard instance.state == .terminated else { continue }
                orphans.append(machine)
                record(
                    "instance.orphan", "\(name) still runs \(machine.providerInstanceID) for this terminated instance; terminating it",
                    node: instance.nodeID, instance: instance.id, pool: instance.pool)
            } else if book.reportedUnknown.insert(machine.instanceID).inserted {
                record(
                    "instance.unknown", "\(name) runs \(machine.providerInstanceID) (node \(machine.nodeID)) that this control plane does not know",
                    node: machine.nodeID, instance: machine.instanceID, pool: machine.pool)
            }
        }
        return orphans
    }

    /// Reconciles the providers' view with ours after a start: known instances the provider no
    /// longer has are marked terminated, machines it has that we do not know are reported.
    public mutating func adopt(provider name: String, machines: [ProvisionedInstance]) throws {
        let alive = Dictionary(machines.filter(\.isAlive).map { ($0.instanceID, $0) }, uniquingKeysWith: { a, _ in a })
        for instance in instances.values.sorted(by: { $0.id < $1.id }) where instance.provider == name && instance.state != .terminated {
            if let machine = alive[instance.id] {
                if instance.providerInstanceID != machine.providerInstanceID, instance.state != .requested {
                    var updated = instance
                    updated.providerInstanceID = machine.providerInstanceID
                    save(updated)
                }
                record("instance.found", "still running at \(name) as \(machine.providerInstanceID)", node: instance.nodeID, instance: instance.id, pool: instance.pool)
            } else if [.booting, .registered, .running, .terminating, .failed].contains(instance.state) {
                try transition(instanceID: instance.id, on: .vanish, reason: "\(name) no longer has it")
                if let node = nodes[instance.nodeID], node.state != .terminated {
                    try transition(nodeID: node.id, on: .terminate, reason: "instance gone from \(name)")
                }
                state.heartbeats.forget(instance.nodeID)
            }
        }
        for machine in alive.values.sorted(by: { $0.instanceID < $1.instanceID }) where instances[machine.instanceID] == nil && book.reportedUnknown.insert(machine.instanceID).inserted {
            record(
                "instance.unknown", "\(name) runs \(machine.providerInstanceID) (node \(machine.nodeID)) that this control plane does not know",
                node: machine.nodeID, instance: machine.instanceID, pool: machine.pool)
        }
        pending.reconcile = true
    }
}
