import Foundation

/// The fleet as the control plane holds it in memory: pools, instances and nodes, with the
/// indexes that keep every question the decisions ask proportional to what it concerns (a
/// pool's instances, a pool's nodes under remediation, the next deadline), never to the whole
/// fleet. A value type: the control plane owns one, writes each change to the store and then
/// here, and restores the previous value when the store refuses it.
public struct FleetState: Sendable {
    /// What the indexes need to know of the configuration.
    public struct Settings: Sendable, Equatable {
        /// How long a GPU reset or reboot may take to be validated.
        public var repairTimeout: Duration
        public var heartbeatInterval: Duration
        public var missedHeartbeatsBeforeUnhealthy: Int

        public init(repairTimeout: Duration = .seconds(900), heartbeatInterval: Duration = .seconds(5), missedHeartbeatsBeforeUnhealthy: Int = 3) {
            self.repairTimeout = repairTimeout
            self.heartbeatInterval = heartbeatInterval
            self.missedHeartbeatsBeforeUnhealthy = missedHeartbeatsBeforeUnhealthy
        }
    }

    public let settings: Settings
    public private(set) var pools: [String: Pool] = [:]
    public private(set) var instances: [String: Instance] = [:]
    public private(set) var nodes: [String: Node] = [:]
    /// When each watched node must have been heard from.
    public var heartbeats: HeartbeatTracker
    /// When each node's parked remediation or repair must be looked at again.
    private var remediationTimers = DeadlineQueue<String>()
    /// Instances that are not terminated, by pool.
    /// (kept sorted, so that a pool's instances come in id order without sorting each time)
    private var unfinishedByPool: [String: [String]] = [:]
    /// Of those, the ones a reconcile pass must look at, and those it only counts.
    public private(set) var membership = PoolMembership()
    /// Nodes that are not terminated, by pool.
    private var liveNodesByPool: [String: Set<String>] = [:]
    /// Live nodes (not terminated, on a live instance or none) by group: `provider NAME` and
    /// `zone NAME`, for finding a group gone silent all at once.
    private var liveNodesByGroup: [String: Set<String>] = [:]
    /// The nodes filed in `liveNodesByGroup` (under the groups of their stored version).
    private var groupedNodes: Set<String> = []
    /// Nodes being repaired or replaced, by pool.
    private var remediatingByPool: [String: Set<String>] = [:]
    /// Nodes whose live instance is condemned (its replacement under way), by pool.
    private var condemnedByPool: [String: Set<String>] = [:]
    /// Nodes whose remediation waits for a turn under the pool's concurrency limit, by pool:
    /// the longest waiting is woken when a remediation of its pool ends, rather than every
    /// waiter looking again every second.
    private var turnWaiters: [String: Set<String>] = [:]
    /// A waiter was woken since ``takeWakeUps()`` was last asked.
    private var wokeWaiters = false

    public init(settings: Settings = Settings(), pools: [Pool] = [], instances: [Instance] = [], nodes: [Node] = []) {
        self.settings = settings
        heartbeats = HeartbeatTracker(interval: settings.heartbeatInterval, missedBeforeUnhealthy: settings.missedHeartbeatsBeforeUnhealthy)
        for pool in pools { upsert(pool) }
        for instance in instances { upsert(instance) }
        for node in nodes { upsert(node) }
    }

    // MARK: - Changes

    public mutating func upsert(_ pool: Pool) {
        pools[pool.name] = pool
    }

    public mutating func removePool(named name: String) {
        pools[name] = nil
    }

    public mutating func upsert(_ instance: Instance) {
        instances[instance.id] = instance
        if instance.state == .terminated {
            SortedIDs.remove(instance.id, from: &unfinishedByPool, key: instance.pool)
        } else {
            SortedIDs.insert(instance.id, into: &unfinishedByPool, key: instance.pool)
        }
        indexSteadiness(of: instance)
        if let node = nodes[instance.nodeID] {
            indexRemediation(of: node)
            indexGroups(of: node, previous: node)
        }
    }

    /// Keeps the node. Returns whether its remediation timer moved (a waiting service may need
    /// to wake earlier).
    @discardableResult
    public mutating func upsert(_ node: Node) -> Bool {
        let previousNode = nodes[node.id]
        let previousInstance = previousNode?.instanceID
        defer {
            if let previousInstance, previousInstance != node.instanceID, let instance = instances[previousInstance] { indexSteadiness(of: instance) }
        }
        if let previous = nodes[node.id], previous.pool != node.pool {
            Self.remove(node.id, from: &liveNodesByPool, key: previous.pool)
            Self.remove(node.id, from: &remediatingByPool, key: previous.pool)
        }
        nodes[node.id] = node
        if node.state == .terminated {
            Self.remove(node.id, from: &liveNodesByPool, key: node.pool)
        } else {
            liveNodesByPool[node.pool, default: []].insert(node.id)
        }
        if let instance = instances[node.instanceID] { indexSteadiness(of: instance) }
        indexRemediation(of: node)
        indexGroups(of: node, previous: previousNode)
        return scheduleRemediationTimer(for: node)
    }

    /// Puts back what a refused store write replaced: `previous`, or nothing at all.
    public mutating func restore(instance id: String, to previous: Instance?) {
        if let previous { return upsert(previous) }
        guard let current = instances.removeValue(forKey: id) else { return }
        SortedIDs.remove(id, from: &unfinishedByPool, key: current.pool)
        membership.file(current, at: nil)
        if let node = nodes[current.nodeID] {
            indexRemediation(of: node)
            indexGroups(of: node, previous: node)
        }
    }

    public mutating func restore(node id: String, to previous: Node?) {
        if let previous {
            upsert(previous)
            return
        }
        guard let current = nodes.removeValue(forKey: id) else { return }
        Self.remove(id, from: &liveNodesByPool, key: current.pool)
        Self.remove(id, from: &remediatingByPool, key: current.pool)
        for group in Self.groups(of: current) { Self.remove(id, from: &liveNodesByGroup, key: group) }
        groupedNodes.remove(id)
        remediationTimers.cancel(id)
        if let instance = instances[current.instanceID] { indexSteadiness(of: instance) }
    }

    /// A heartbeat: the node's last-heard time and, when sent, its GPUs. No index changes.
    public mutating func heard(from nodeID: String, at time: Date, gpus: [GPU], until: Date? = nil) {
        if let until { heartbeats.record(nodeID, at: time, heardUntil: until) } else { heartbeats.record(nodeID, at: time) }
        nodes[nodeID]?.lastHeartbeat = time
        if !gpus.isEmpty { nodes[nodeID]?.gpus = gpus }
    }

    // MARK: - Questions

    /// The pool's instances that are not terminated, by id.
    public func unfinishedInstances(of pool: String) -> [Instance] {
        (unfinishedByPool[pool] ?? []).compactMap { instances[$0] }
    }

    /// The pool's unfinished instances a reconcile pass must look at (see ``PoolMembership``), by id.
    public func unsteadyInstances(of pool: String) -> [Instance] {
        membership.unsteadyIDs(of: pool).compactMap { instances[$0] }
    }

    /// The groups (`provider NAME`, `zone NAME`) a node belongs to.
    public static func groups(of node: Node) -> [String] {
        var groups: [String] = []
        if !node.provider.isEmpty { groups.append("provider \(node.provider)") }
        if let zone = node.labels["topology.zone"], !zone.isEmpty { groups.append("zone \(zone)") }
        return groups
    }

    /// The live nodes of a group (see ``groups(of:)``): not terminated, on a live instance or none.
    public func liveNodes(inGroup group: String) -> Set<String> { liveNodesByGroup[group] ?? [] }

    /// Whether the pool has a condemned instance waiting for its replacement.
    public func hasCondemned(pool: String) -> Bool { condemnedByPool[pool] != nil }

    /// The pool's nodes that are not terminated.
    public func liveNodeCount(of pool: String) -> Int { liveNodesByPool[pool]?.count ?? 0 }

    /// Nodes that are not terminated, in every pool.
    public var liveNodeCount: Int { liveNodesByPool.values.reduce(0) { $0 + $1.count } }

    /// Nodes of `pool` being repaired or replaced, other than `nodeID`.
    public func remediationsUnderWay(pool: String, excluding nodeID: String) -> Int {
        guard let remediating = remediatingByPool[pool] else { return 0 }
        return remediating.count - (remediating.contains(nodeID) ? 1 : 0)
    }

    // MARK: - Timers

    /// The nodes whose remediation timer came due, in node order; their timers are removed.
    public mutating func popDueRemediations(at now: Date) -> [String] {
        remediationTimers.popDue(at: now).sorted(by: NaturalOrder.precedes)
    }

    /// When the node's remediation is looked at next, if it has a timer.
    public func remediationDeadline(of nodeID: String) -> Date? { remediationTimers.deadline(of: nodeID) }

    /// Looks at the node's remediation again at `time`.
    public mutating func scheduleRemediation(_ nodeID: String, at time: Date) {
        remediationTimers.schedule(nodeID, at: time)
    }

    /// The earliest heartbeat deadline or remediation timer.
    public mutating func nextDeadline() -> Date? {
        [heartbeats.nextDeadline(), remediationTimers.nextDeadline()].compactMap { $0 }.min()
    }

    // MARK: - Indexes

    private mutating func indexGroups(of node: Node, previous: Node?) {
        let live = node.state != .terminated && (instances[node.instanceID]?.state.isLive ?? true)
        let filed = groupedNodes.contains(node.id)
        if filed == live, let previous, previous.provider == node.provider, previous.labels["topology.zone"] == node.labels["topology.zone"] {
            return  // filed where it belongs already
        }
        if filed, let previous {
            for group in Self.groups(of: previous) { Self.remove(node.id, from: &liveNodesByGroup, key: group) }
            groupedNodes.remove(node.id)
        }
        guard live else { return }
        groupedNodes.insert(node.id)
        for group in Self.groups(of: node) { liveNodesByGroup[group, default: []].insert(node.id) }
    }

    private mutating func indexSteadiness(of instance: Instance) {
        guard instance.state != .terminated else { return membership.file(instance, at: nil) }
        let node = nodes[instance.nodeID]
        membership.file(instance, at: PoolMembership.place(of: instance, nodeHealth: node?.instanceID == instance.id ? node?.health : nil))
    }

    private mutating func indexRemediation(of node: Node) {
        let instance = instances[node.instanceID]
        let underWay = node.state != .terminated
            && (node.remediation?.repair != nil || (instance.map { $0.condemned && $0.state.isLive } ?? false))
        if node.state != .terminated && (instance.map { $0.condemned && $0.state.isLive } ?? false) {
            condemnedByPool[node.pool, default: []].insert(node.id)
        } else {
            Self.remove(node.id, from: &condemnedByPool, key: node.pool)
        }
        if node.state != .terminated && node.remediation?.waiting?.reason == .concurrency {
            turnWaiters[node.pool, default: []].insert(node.id)
        } else {
            Self.remove(node.id, from: &turnWaiters, key: node.pool)
        }
        if underWay {
            remediatingByPool[node.pool, default: []].insert(node.id)
        } else if remediatingByPool[node.pool]?.contains(node.id) == true {
            Self.remove(node.id, from: &remediatingByPool, key: node.pool)
            wakeLongestWaiter(pool: node.pool)
        }
    }

    /// A remediation of `pool` ended: the node that has waited longest for its turn (and is not
    /// woken already) is looked at again at once.
    private mutating func wakeLongestWaiter(pool: String) {
        let woken = Date.distantPast
        let next = (turnWaiters[pool] ?? []).filter { remediationTimers.deadline(of: $0) != woken }
            .min { a, b in
                let since = (nodes[a]?.remediation?.waiting?.since ?? woken, nodes[b]?.remediation?.waiting?.since ?? woken)
                return since.0 != since.1 ? since.0 < since.1 : NaturalOrder.precedes(a, b)
            }
        guard let next else { return }
        remediationTimers.schedule(next, at: woken)
        wokeWaiters = true
    }

    /// Whether a waiter was woken since the last call (the heartbeat monitor must look now).
    public mutating func takeWakeUps() -> Bool {
        defer { wokeWaiters = false }
        return wokeWaiters
    }

    /// The end of the node's repair time, or of its parked remediation's wait, whichever is first.
    private mutating func scheduleRemediationTimer(for node: Node) -> Bool {
        var due: Date?
        if node.state != .terminated, let remediation = node.remediation {
            if let repair = remediation.repair { due = repair.startedAt.addingTimeInterval(settings.repairTimeout.timeInterval) }
            if let waiting = remediation.waiting, waiting.notBefore != .distantFuture {
                due = min(due ?? waiting.notBefore, waiting.notBefore)
            }
        }
        guard let due else {
            remediationTimers.cancel(node.id)
            return false
        }
        guard remediationTimers.deadline(of: node.id) != due else { return false }
        remediationTimers.schedule(node.id, at: due)
        return true
    }

    private static func remove(_ id: String, from index: inout [String: Set<String>], key: String) {
        index[key]?.remove(id)
        if index[key]?.isEmpty == true { index[key] = nil }
    }
}
