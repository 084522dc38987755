import Foundation

/// The fleet's decisions as one value: pools, instances and nodes with their deadlines,
/// breakers, back-offs, rate limits, holds and in-flight work, and every rule that changes
/// them. An input (a registration, a heartbeat, a report, an acknowledgement, a deadline
/// passing, a provider's or coordinator's answer, an operator's request) is a mutating method
/// called between ``begin(at:)`` and ``end()``; the time is the one given to `begin`, ids come
/// from the injected generator, and every iteration has a defined order, so the same inputs
/// from the same state give the same records and effects. Nothing here waits or does I/O: the
/// control plane stores each input's ``FleetTransition/records`` in one transaction, runs its
/// ``FleetTransition/effects`` and feeds their answers back as inputs. When the store refuses
/// the records, ``rollback(to:)`` puts the brain back as it was before the input.
public struct FleetBrain: Sendable {
    public let policy: FleetPolicy
    public let providers: [String: ProviderTraits]
    let scheduler: any Scheduler
    let remediator: any Remediator
    let reconciler: PoolReconciler
    /// Pools, instances and nodes, with their indexes and deadlines.
    public internal(set) var state: FleetState
    /// Everything else the decisions remember; small, so that a rollback copies it whole.
    var book: Book
    /// The time of the input under way.
    public internal(set) var now: Date
    /// What the input under way produced so far.
    var pending = FleetTransition()
    /// How to undo the changes to `state` and `pendingCommands` since the input began.
    var journal: [Undo] = []
    /// Commands not yet acknowledged, by node, oldest first (journaled: it can be as large as the fleet).
    var pendingCommands: [String: [NodeCommand]] = [:]

    /// What the decisions remember besides pools, instances and nodes.
    struct Book: Sendable {
        var ids: IdentifierGenerator
        var lastEventSequence: Int64
        /// Instances with a provider call in flight.
        var inFlight: Set<String> = []
        /// Instances whose spot request found no capacity: they are asked for on-demand.
        var onDemandOnly: Set<String> = []
        /// Terminations that failed, and when they are asked for again.
        var terminateRetryAt: [String: Date] = [:]
        /// Provider machines not known here that were already reported.
        var reportedUnknown: Set<String> = []
        /// The last capacity error per pool and provider.
        var capacityFailures: [String: [String: (at: Date, reason: String)]] = [:]
        /// Circuit breakers by scope (`fleet`, `pool NAME`); absent ones are closed.
        var breakers: [String: CircuitBreaker] = [:]
        var admission: ProviderCallAdmission
        var provisioningGuard: ProvisioningGuard
        /// Nodes whose work the coordinator is moving; their commands wait in `heldCommands`.
        var coordinatorDraining: Set<String> = []
        var heldCommands: [String: [NodeCommand]] = [:]
        /// Terminations an open breaker holds, already recorded.
        var heldTerminations: Set<String> = []
        /// The address agents reach the control plane at, for messages.
        var controlPlaneAddress = ""
        /// Pools changed since the last reconcile pass (every pool, after a load or a change to
        /// breakers or back-offs): a pass plans these, and those whose deadline came.
        var dirtyPools: Set<String> = []
        var allPoolsDirty = true
        /// Each pool's next reconciler deadline, as its last pass found it.
        var poolDeadlines: [String: Date] = [:]
        /// Pools with provider calls the rate limits deferred.
        var deferredPools: Set<String> = []
        /// The hash of each node's credential, by node id.
        var nodeCredentials: [String: String] = [:]
    }

    /// A change to `state` and how to take it back.
    enum Undo: Sendable {
        case node(String, Node?)
        case instance(String, Instance?)
        case pool(String, Pool?)
        case pendingCommands(String, [NodeCommand]?)
        /// A remediation timer popped: derived again from the node.
        case remediationTimer(String)
        /// A heartbeat deadline that expired: armed again a second later.
        case heartbeatDeadline(String)
    }

    /// Where the brain was before an input (or a part of one): ``rollback(to:)`` returns there.
    public struct Mark: Sendable {
        let book: Book
        let journal: Int
        let records: Int
        let effects: Int
        let reconcile: Bool
        let timersChanged: Bool
        let failure: NavarchError?
    }

    /// An empty fleet; ``load(_:at:)`` fills it from the store.
    public init(
        policy: FleetPolicy, providers: [ProviderTraits], scheduler: any Scheduler, remediator: any Remediator,
        ids: IdentifierGenerator = .random, now: Date = Date(timeIntervalSince1970: 0)
    ) {
        self.policy = policy
        self.providers = Dictionary(providers.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        self.scheduler = scheduler
        self.remediator = remediator
        self.now = now
        reconciler = PoolReconciler(
            registrationTimeout: policy.registrationTimeout.timeInterval, replacementTimeout: policy.replacementTimeout.timeInterval,
            retryBackoff: policy.provisionRetryBackoff.timeInterval)
        state = FleetState(settings: Self.stateSettings(policy))
        book = Book(
            ids: ids, lastEventSequence: 0, admission: ProviderCallAdmission(limits: policy.rateLimits),
            provisioningGuard: ProvisioningGuard(settings: .init(
                baseBackoff: policy.provisionRetryBackoff, maxBackoff: policy.provisionMaxBackoff,
                breakerAfter: policy.provisioningBreakerAfter)))
    }

    /// Takes the fleet the store holds, at `now`. Nodes that are not terminated get a fresh
    /// heartbeat deadline: they had no way to reach a control plane that was down. Open breakers
    /// and back-offs saved before go on.
    public mutating func load(_ snapshot: FleetSnapshot, at now: Date) throws {
        self.now = now
        state = FleetState(settings: Self.stateSettings(policy), pools: snapshot.pools, instances: snapshot.instances, nodes: snapshot.nodes)
        for node in snapshot.nodes where node.state != .terminated {
            state.heartbeats.watch(node.id, at: now)
        }
        book.lastEventSequence = snapshot.lastEventSequence
        pendingCommands = [:]
        for command in snapshot.pendingCommands {
            pendingCommands[command.nodeID, default: []].append(command)
        }
        book.allPoolsDirty = true
        loadBreakers(from: snapshot.settings)
        loadNodeCredentials(from: snapshot.settings)
        try loadProvisioningGuard(from: snapshot.settings)
    }

    static func stateSettings(_ policy: FleetPolicy) -> FleetState.Settings {
        FleetState.Settings(
            repairTimeout: policy.repairTimeout, heartbeatInterval: policy.heartbeatInterval,
            missedHeartbeatsBeforeUnhealthy: policy.missedHeartbeatsBeforeUnhealthy)
    }

    // MARK: - Inputs

    /// Starts an input at `now`. Returns where to roll back to if its records cannot be stored.
    public mutating func begin(at now: Date) -> Mark {
        self.now = now
        journal.removeAll(keepingCapacity: true)
        pending = FleetTransition()
        return mark()
    }

    /// Ends the input: what it produced, with `state` already changed.
    public mutating func end() -> FleetTransition {
        defer { pending = FleetTransition() }
        return pending
    }

    /// Runs one input at `now`: its value, what it produced, and the mark to roll back to when
    /// its records cannot be stored. An input that throws is rolled back and its error rethrown.
    public mutating func run<T>(at now: Date, _ input: (inout FleetBrain) throws -> T) throws -> (value: T, transition: FleetTransition, mark: Mark) {
        let mark = begin(at: now)
        do {
            let value = try input(&self)
            return (value, end(), mark)
        } catch {
            rollback(to: mark)
            throw error
        }
    }

    /// Undoes everything since `mark`: the state, the bookkeeping and what the input produced.
    public mutating func rollback(to mark: Mark) {
        while journal.count > mark.journal {
            switch journal.removeLast() {
            case .node(let id, let previous): state.restore(node: id, to: previous)
            case .instance(let id, let previous): state.restore(instance: id, to: previous)
            case .pool(let name, let previous):
                if let previous { state.upsert(previous) } else { state.removePool(named: name) }
            case .remediationTimer(let id):
                if let node = state.nodes[id] { state.upsert(node) }
            case .heartbeatDeadline(let id):
                state.heartbeats.rearm(id, at: now.addingTimeInterval(1))
            case .pendingCommands(let id, let previous):
                pendingCommands[id] = previous
            }
        }
        book = mark.book
        pending.records.removeSubrange(mark.records...)
        pending.effects.removeSubrange(mark.effects...)
        pending.reconcile = mark.reconcile
        pending.timersChanged = mark.timersChanged
        pending.failure = mark.failure
    }

    func mark() -> Mark {
        Mark(
            book: book, journal: journal.count, records: pending.records.count, effects: pending.effects.count,
            reconcile: pending.reconcile, timersChanged: pending.timersChanged, failure: pending.failure)
    }

    /// Runs one part of an input (one node of a check, one pool of a pass): when it fails, what
    /// it changed is undone and logged, and the rest of the input goes on.
    @discardableResult
    mutating func attempt(
        _ what: String, _ metadata: @autoclosure () -> [String: String] = [:], level: FleetLog.Level = .error,
        _ body: (inout FleetBrain) throws -> Void
    ) -> Bool {
        let mark = mark()
        do {
            try body(&self)
            return true
        } catch {
            rollback(to: mark)
            log(level, what, metadata().merging(["error": "\(error)"]) { first, _ in first })
            return false
        }
    }

    /// When something is due next: the earliest heartbeat deadline or remediation timer.
    public mutating func nextWakeUp() -> Date? { state.nextDeadline() }

    /// Sets the address agents reach the control plane at (named in breaker messages).
    public mutating func setControlPlaneAddress(_ address: String) { book.controlPlaneAddress = address }

    /// Commands for the node not yet acknowledged, oldest first.
    public func pendingCommands(for nodeID: String) -> [NodeCommand] { pendingCommands[nodeID] ?? [] }

    var pools: [String: Pool] { state.pools }
    var instances: [String: Instance] { state.instances }
    var nodes: [String: Node] { state.nodes }
}
