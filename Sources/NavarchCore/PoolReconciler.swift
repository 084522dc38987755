import Foundation

/// Decides, from a pool and its instances, what brings the pool to its desired state.
/// Pure: the same inputs always give the same actions.
///
/// Rules:
/// - A deleting pool terminates every instance, and is forgotten once all are terminated.
/// - An instance that does not register within `registrationTimeout` of its provider call fails.
/// - Failed instances are terminated.
/// - Live, not condemned instances are counted against the desired size; missing ones are
///   provisioned (replacements of condemned instances first), extra ones terminated.
/// - A condemned instance is terminated once the pool has its desired number of ready,
///   healthy instances without it (surge-first replacement), or after `replacementTimeout`.
/// - After a failure the pool waits `retryBackoff` before provisioning again (nothing is bought
///   in the pass that fails a machine), and it provisions
///   no more than its ``ProvisioningGuard/Allowance`` lets it (a growing back-off, a limit on
///   machines coming up, or nothing while its provisioning breaker is open).
/// - A scale-down picks unhealthy nodes first, then cordoned ones, then idle ones (no jobs),
///   then those with the fewest jobs, then the newest; instances not yet registered go before
///   all of these. A registered node is drained first and terminated once drained.
public struct PoolReconciler: Sendable {
    public var registrationTimeout: TimeInterval
    public var replacementTimeout: TimeInterval
    public var retryBackoff: TimeInterval

    public init(registrationTimeout: TimeInterval = 120, replacementTimeout: TimeInterval = 900, retryBackoff: TimeInterval = 5) {
        self.registrationTimeout = registrationTimeout
        self.replacementTimeout = replacementTimeout
        self.retryBackoff = retryBackoff
    }

    /// Instances of a pool a plan counts without being given them (see ``PoolMembership``).
    public struct Counted: Sendable, Equatable {
        /// Running, not condemned, never failed, on a healthy node.
        public var ready: Int
        /// Running, not condemned, never failed, on a node that is not healthy.
        public var notReady: Int
        /// Requested (waiting for their provider call), not condemned, never failed.
        public var waiting: Int
        /// The instances these replace, with how many replace each (only the condemned instances
        /// a plan is given are looked up).
        public var replacing: [String: Int]

        public init(ready: Int = 0, notReady: Int = 0, waiting: Int = 0, replacing: [String: Int] = [:]) {
            self.ready = ready
            self.notReady = notReady
            self.waiting = waiting
            self.replacing = replacing
        }

        /// All of them: each is live and not condemned, so each counts against the desired size.
        public var serving: Int { ready + notReady + waiting }

        public static let none = Counted()
    }

    /// The actions for `pool` given its `instances` and the health of their nodes (by node id).
    ///
    /// `counted` are running and waiting instances of the pool left out of `instances`, so that
    /// a large pool's pass costs what changes in it: the plan never acts on them unless the pool
    /// shrinks or is deleted. So they must be passed in full (and `counted` be `.none`) when
    /// the pool is deleting or has more live instances than it wants: then the plan picks among them.
    public func plan(
        pool: Pool, instances: [Instance], nodeHealth: [String: HealthStatus], now: Date, nodeStates: [String: NodeState] = [:],
        allowance: ProvisioningGuard.Allowance = .unlimited, counted: Counted = .none
    ) -> [FleetAction] {
        var actions: [FleetAction] = []
        let mine = instances.filter { $0.pool == pool.name }

        if pool.deleting {
            for instance in mine where instance.state != .terminated && instance.state != .terminating {
                actions.append(.terminate(instanceID: instance.id, reason: "pool \(pool.name) is being deleted"))
            }
            if mine.allSatisfy({ $0.state == .terminated }) { actions.append(.forgetPool(pool.name)) }
            return actions
        }

        var failedNow: Set<String> = []
        // The timeout runs from the provider call (an instance the rate limits hold back is
        // still waiting for its call, not failing to register).
        for instance in mine where [.provisioning, .booting].contains(instance.state) {
            if now.timeIntervalSince(instance.updatedAt) >= registrationTimeout {
                actions.append(.fail(instanceID: instance.id, reason: "did not register within \(Int(registrationTimeout)) s"))
                failedNow.insert(instance.id)
            }
        }
        for instance in mine where instance.state == .failed {
            actions.append(.terminate(instanceID: instance.id, reason: "failed: \(instance.failureReason)"))
        }

        let serving = mine.filter { $0.state.isLive && !$0.condemned && !failedNow.contains($0.id) }
        let ready = serving.filter { $0.state == .running && nodeHealth[$0.nodeID] == .healthy }.count + counted.ready
        let condemned = mine.filter { $0.condemned && $0.state.isLive }

        for instance in condemned {
            let waited = instance.condemnedAt.map { now.timeIntervalSince($0) } ?? 0
            if ready >= pool.desiredNodes || waited >= replacementTimeout {
                actions.append(.terminate(instanceID: instance.id, reason: "replaced: \(instance.condemnedReason)"))
            }
        }

        let missing = pool.desiredNodes - serving.count - counted.serving
        if missing > 0 {
            let lastFailure = mine.filter { $0.state == .failed || !$0.failureReason.isEmpty }.map(\.updatedAt).max()
            let backingOff = lastFailure.map { now.timeIntervalSince($0) < retryBackoff } ?? false
            // A machine that failed just now is counted by the pool's guard before anything
            // more is bought: the next pass decides with its back-off and limits.
            var allowed = allowance.stopped || backingOff || !failedNow.isEmpty ? 0 : missing
            if let notBefore = allowance.notBefore, now < notBefore { allowed = 0 }
            if let limit = allowance.maxUnregistered {
                let comingUp = serving.filter { [.requested, .provisioning, .booting].contains($0.state) }.count + counted.waiting
                allowed = min(allowed, max(limit - comingUp, 0))
            }
            if allowed > 0 {
                let replaced = Set(serving.map(\.replacesInstanceID))
                var toReplace = condemned.map(\.id).filter { !replaced.contains($0) && counted.replacing[$0] == nil }
                for _ in 0..<allowed {
                    actions.append(.provision(pool: pool.name, replacing: toReplace.isEmpty ? nil : toReplace.removeFirst()))
                }
            }
        } else if missing < 0 {
            for instance in scaleDownVictims(serving, count: -missing, pool: pool, nodeHealth: nodeHealth, nodeStates: nodeStates) {
                let reason = "pool \(pool.name) scaled down to \(pool.desiredNodes)"
                let registered = instance.state == .registered || instance.state == .running
                switch nodeStates[instance.nodeID] {
                case .some(.active) where registered, .some(.cordoned) where registered:
                    actions.append(.drain(instanceID: instance.id, reason: reason))
                case .some(.draining) where registered && nodeHealth[instance.nodeID] != .unhealthy:
                    break  // waiting for the drain to finish
                default:
                    actions.append(.terminate(instanceID: instance.id, reason: reason))
                }
            }
        }
        return actions
    }

    /// The earliest time after `now` at which ``plan(pool:instances:nodeHealth:now:nodeStates:allowance:)``
    /// could decide something new for the pool without any other change: a machine's
    /// registration timeout, a condemned machine's replacement timeout, the end of a back-off.
    /// The control plane sleeps until then (or until the fleet changes) instead of polling.
    public func nextDeadline(
        pool: Pool, instances: [Instance], now: Date, allowance: ProvisioningGuard.Allowance = .unlimited, counted: Counted = .none
    ) -> Date? {
        var candidates: [Date] = []
        let mine = instances.filter { $0.pool == pool.name }
        for instance in mine {
            if [.provisioning, .booting].contains(instance.state) {
                candidates.append(instance.updatedAt.addingTimeInterval(registrationTimeout))
            }
            if instance.condemned, instance.state.isLive {
                candidates.append((instance.condemnedAt ?? now).addingTimeInterval(replacementTimeout))
            }
        }
        if !pool.deleting, mine.filter({ $0.state.isLive && !$0.condemned }).count + counted.serving < pool.desiredNodes {
            if let lastFailure = mine.filter({ $0.state == .failed || !$0.failureReason.isEmpty }).map(\.updatedAt).max() {
                candidates.append(lastFailure.addingTimeInterval(retryBackoff))
            }
            if !allowance.stopped, let notBefore = allowance.notBefore { candidates.append(notBefore) }
        }
        return candidates.filter { $0 > now }.min()
    }

    /// The instances a scale-down removes, in order.
    func scaleDownVictims(
        _ serving: [Instance], count: Int, pool: Pool, nodeHealth: [String: HealthStatus], nodeStates: [String: NodeState]
    ) -> [Instance] {
        let order: [InstanceState] = [.requested, .provisioning, .booting, .registered, .running]
        func rank(_ instance: Instance) -> [Int] {
            let stage = order.firstIndex(of: instance.state) ?? 0
            let unhealthy = nodeHealth[instance.nodeID] == .unhealthy ? 0 : 1
            let state = nodeStates[instance.nodeID]
            let outOfService = (state == .draining || state == .drained) ? 0 : state == .cordoned ? 1 : 2
            let jobs = pool.nodeJobs[instance.nodeID] ?? 0
            return [stage >= 3 ? 1 : 0, unhealthy, outOfService, jobs, stage >= 3 ? 0 : stage]
        }
        return serving.sorted {
            let a = rank($0), b = rank($1)
            return a != b ? a.lexicographicallyPrecedes(b) : ($0.createdAt, $0.id) > ($1.createdAt, $1.id)
        }.prefix(count).map { $0 }
    }
}
