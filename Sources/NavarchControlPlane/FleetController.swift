import Foundation
import Logging
import NavarchCore
import NavarchStore

/// The control plane's fleet state and the one place that changes it. Every change is written
/// to the store and published as an event before the caller gets an answer. Decisions come
/// from the pure logic in NavarchCore (lifecycles, ``PoolReconciler``, ``HeartbeatTracker``);
/// this actor executes them.
public actor FleetController {
    let store: any Store
    let clock: any NavarchClock
    let logger: Logger
    let configuration: ControlPlaneConfiguration
    let providers: [String: any Provider]
    let scheduler: any Scheduler
    let remediator: any Remediator
    /// Recorded events on their way to the notifiers (see ``NotificationService``).
    let notifications: AsyncStream<FleetEvent>
    let notificationContinuation: AsyncStream<FleetEvent>.Continuation
    let events = EventHub()
    let commands = CommandBroker()
    let reconciler: PoolReconciler

    /// Pools, instances and nodes with their indexes and deadlines (heartbeats, remediation
    /// timers): every question a decision asks costs what it concerns, not the fleet.
    var state: FleetState
    var pools: [String: Pool] { state.pools }
    var instances: [String: Instance] { state.instances }
    var nodes: [String: Node] { state.nodes }
    /// Tells the heartbeat monitor that a deadline earlier than the one it sleeps for may exist.
    let timersChanged = WakeUpSignal()
    /// Heartbeat times not yet written to the store.
    var unsavedHeartbeats: [String: Date] = [:]
    /// Instances with a provider call in flight.
    var inFlight: Set<String> = []
    /// Instances whose spot request found no capacity: they are asked for on-demand.
    var onDemandOnly: Set<String> = []
    /// Terminations that failed, and when they are asked for again.
    var terminateRetryAt: [String: Date] = [:]
    /// Provider machines not known here that were already reported.
    var reportedUnknown: Set<String> = []
    /// The last capacity error per pool and provider: that provider is passed over for the
    /// pool until `capacityRetryAfter` has gone by.
    var capacityFailures: [String: [String: (at: Date, reason: String)]] = [:]
    /// Circuit breakers by scope (`fleet`, `pool NAME`); absent ones are closed.
    var breakers: [String: CircuitBreaker] = [:]
    /// Provider-call rate limits, by provider and by pool, for provisioning and termination.
    var admission: ProviderCallAdmission
    /// The workload scheduler told before drains and terminations, if any.
    let coordinator: (any Coordinator)?
    let coordinatorJobs: AsyncStream<CoordinatorJob>.Continuation
    let coordinatorWork: AsyncStream<CoordinatorJob>
    /// Nodes whose work the coordinator is moving; their agent commands wait in `heldCommands`.
    var coordinatorDraining: Set<String> = []
    var heldCommands: [String: [NodeCommand]] = [:]
    /// Back-offs and provisioning breakers of pools whose machines fail or never register.
    var provisioningGuard: ProvisioningGuard
    /// Terminations an open breaker holds, already recorded.
    var heldTerminations: Set<String> = []
    /// Signalled whenever the reconciler should look at the fleet again.
    let reconcileWanted = WakeUpSignal()
    /// Address given to provisioned agents; set once the gRPC server is bound.
    var controlPlaneAddress = ""
    /// Signs the join tokens of cloud machines; nil when no provider bootstraps agents.
    var joinTokens: JoinTokenIssuer?
    /// Where cloud machines get the agent; set once the HTTP server is bound.
    var agentDownload: AgentDownload?
    public let startedAt: Date
    /// Whether a store write is under way; the others wait in line (``inWriteOrder(_:)``).
    var writing = false
    var writeWaiters: [CheckedContinuation<Void, Never>] = []
    /// Where instance and command ids come from.
    var ids: IdentifierGenerator

    init(
        configuration: ControlPlaneConfiguration, store: any Store, providers: [String: any Provider],
        scheduler: any Scheduler, remediator: any Remediator, clock: any NavarchClock,
        logger: Logger, coordinator: (any Coordinator)? = nil, ids: IdentifierGenerator = .random
    ) {
        self.ids = ids
        self.coordinator = coordinator
        (coordinatorWork, coordinatorJobs) = AsyncStream<CoordinatorJob>.makeStream()
        self.configuration = configuration
        self.store = store
        self.providers = providers
        self.scheduler = scheduler
        self.remediator = remediator
        (notifications, notificationContinuation) = AsyncStream<FleetEvent>.makeStream(bufferingPolicy: .bufferingOldest(100_000))
        self.clock = clock
        self.logger = logger
        self.startedAt = clock.now
        self.provisioningGuard = ProvisioningGuard(settings: .init(
            baseBackoff: configuration.provisionRetryBackoff, maxBackoff: configuration.provisionMaxBackoff,
            breakerAfter: configuration.provisioningBreakerAfter))
        self.state = FleetState(settings: Self.stateSettings(configuration))
        self.reconciler = PoolReconciler(
            registrationTimeout: configuration.registrationTimeout.timeInterval,
            replacementTimeout: configuration.replacementTimeout.timeInterval,
            retryBackoff: configuration.provisionRetryBackoff.timeInterval)
        let limits = configuration.rateLimits
        self.admission = ProviderCallAdmission(limits: limits)
    }

    /// Loads the stored fleet. Nodes that are not terminated get a fresh heartbeat deadline:
    /// they had no way to reach a control plane that was down.
    func load() async throws {
        let snapshot = try await store.loadSnapshot()
        let now = clock.now
        state = FleetState(settings: Self.stateSettings(configuration), pools: snapshot.pools, instances: snapshot.instances, nodes: snapshot.nodes)
        for node in snapshot.nodes where node.state != .terminated {
            state.heartbeats.watch(node.id, at: now)
        }
        timersChanged.signal()
        loadBreakers(from: snapshot.settings)
        try loadProvisioningGuard(from: snapshot.settings)
        logger.info(
            "fleet loaded",
            metadata: [
                "pools": "\(pools.count)", "instances": "\(instances.count)", "nodes": "\(nodes.count)",
                "lastEvent": "\(snapshot.lastEventSequence)",
            ])
    }

    static func stateSettings(_ configuration: ControlPlaneConfiguration) -> FleetState.Settings {
        FleetState.Settings(
            repairTimeout: configuration.repairTimeout, heartbeatInterval: configuration.heartbeatInterval,
            missedHeartbeatsBeforeUnhealthy: configuration.missedHeartbeatsBeforeUnhealthy)
    }

    func setControlPlaneAddress(_ address: String) {
        controlPlaneAddress = address
    }

    func setBootstrap(joinTokens: JoinTokenIssuer, download: AgentDownload?) {
        self.joinTokens = joinTokens
        self.agentDownload = download
    }

    /// Asks the reconciler to run soon. Every saved pool, instance and node asks it: the
    /// reconciler has no tick of its own.
    nonisolated func wake() {
        reconcileWanted.signal()
    }

    // MARK: - Recording

    /// Persists and publishes an event. A failed write fails the caller: nothing is published
    /// that is not stored. Events are published in the order of their sequence numbers: one
    /// write at a time stores and publishes (another call's record may run while this actor
    /// waits for the store, and a watcher that saw event 11 before event 10 would skip 10).
    @discardableResult
    func record(
        _ kind: String, _ message: String, node: String = "", instance: String = "", pool: String = "",
        attributes: [String: String] = [:]
    ) async throws -> FleetEvent {
        let event = FleetEvent(
            time: clock.now, kind: kind, nodeID: node, instanceID: instance, pool: pool, message: message,
            attributes: attributes)
        return try await inWriteOrder {
            let stored = try await store.appendEvent(event)
            events.publish(stored)
            notificationContinuation.yield(stored)
            return stored
        }
    }

    /// Runs a store write after every write this actor issued before it. A call to the store
    /// leaves the actor, so two writes issued in one order could otherwise reach the store in
    /// the other (a pool saved with its node counter, then overwritten by the older copy).
    /// Strictly first come, first served: the next waiter is handed the turn.
    func inWriteOrder<T: Sendable>(_ write: () async throws -> T) async throws -> T {
        if writing {
            await withCheckedContinuation { writeWaiters.append($0) }
        } else {
            writing = true
        }
        defer {
            if writeWaiters.isEmpty { writing = false } else { writeWaiters.removeFirst().resume() }
        }
        return try await write()
    }

    /// Keeps the instance and writes it. Other calls see it at once; when the store refuses it,
    /// the previous value comes back (unless another call changed it meanwhile) and the call fails.
    func save(_ instance: Instance) async throws {
        let previous = instances[instance.id]
        state.upsert(instance)
        wake()
        do { try await inWriteOrder { try await store.saveInstance(instance) } } catch {
            if instances[instance.id] == instance { state.restore(instance: instance.id, to: previous) }
            throw error
        }
    }

    func save(_ node: Node) async throws {
        let previous = nodes[node.id]
        if state.upsert(node) { timersChanged.signal() }
        wake()
        do { try await inWriteOrder { try await store.saveNode(node) } } catch {
            if nodes[node.id] == node { state.restore(node: node.id, to: previous) }
            throw error
        }
    }

    func save(_ pool: Pool) async throws {
        let previous = pools[pool.name]
        state.upsert(pool)
        wake()
        do { try await inWriteOrder { try await store.savePool(pool) } } catch {
            if pools[pool.name] == pool {
                if let previous { state.upsert(previous) } else { state.removePool(named: pool.name) }
            }
            throw error
        }
    }

    /// When the heartbeat monitor must look at the fleet next: the earliest heartbeat deadline
    /// or remediation timer; nil when nothing is due at any time.
    func nextWakeUp() -> Date? {
        state.nextDeadline()
    }

    /// Applies a lifecycle event to an instance, persists it and records the transition.
    @discardableResult
    func transition(
        instanceID: String, on event: InstanceLifecycle.Event, reason: String = "",
        update: (inout Instance) -> Void = { _ in }
    ) async throws -> Instance {
        guard var instance = instances[instanceID] else { throw NavarchError.notFound("instance \(instanceID) not found") }
        let previous = instance.state
        let next = try InstanceLifecycle.transition(from: previous, on: event)
        instance.state = next
        instance.updatedAt = clock.now
        update(&instance)
        try await save(instance)
        if previous != next {
            let message = reason.isEmpty ? "\(previous.rawValue) -> \(next.rawValue)" : "\(previous.rawValue) -> \(next.rawValue): \(reason)"
            try await record("instance.\(next.rawValue)", message, node: instance.nodeID, instance: instance.id, pool: instance.pool)
        }
        return instance
    }

    /// Applies a lifecycle event to a node, persists it and records the transition.
    @discardableResult
    func transition(
        nodeID: String, on event: NodeLifecycle.Event, reason: String = "", attributes: [String: String] = [:],
        update: (inout Node) -> Void = { _ in }
    ) async throws -> Node {
        guard var node = nodes[nodeID] else { throw NavarchError.notFound("node \(nodeID) not found") }
        let previous = node.state
        let next = try NodeLifecycle.transition(from: previous, on: event)
        node.state = next
        update(&node)
        try await save(node)
        if previous != next {
            let message = reason.isEmpty ? "\(previous.rawValue) -> \(next.rawValue)" : "\(previous.rawValue) -> \(next.rawValue): \(reason)"
            var audit = attributes
            if audit["actor"] == nil { audit["actor"] = "navarch" }
            try await record("node.\(next.rawValue)", message, node: node.id, instance: node.instanceID, pool: node.pool, attributes: audit)
        }
        return node
    }

    /// Persists a command and hands it to the node's command stream if it is connected.
    @discardableResult
    func send(_ kind: NodeCommand.Kind, to nodeID: String, reason: String, parameters: [String: String] = [:]) async throws -> String {
        let command = NodeCommand(
            id: ids.commandID(), nodeID: nodeID, kind: kind, reason: reason, issuedAt: clock.now,
            parameters: parameters)
        try await inWriteOrder { try await store.saveCommand(command) }
        if let coordinator, let node = nodes[nodeID] {
            switch kind {
            case .cordon: coordinatorJobs.yield(.cordon(CoordinatedNode(node), reason: reason))
            case .uncordon: coordinatorJobs.yield(.uncordon(CoordinatedNode(node)))
            default: break
            }
            if coordinatorDraining.contains(nodeID) && kind != .uncordon {
                // Delivered once the workload scheduler has moved the node's work.
                heldCommands[nodeID, default: []].append(command)
                logger.debug("command held for the coordinator's drain", metadata: ["node": "\(nodeID)", "kind": "\(kind.rawValue)", "coordinator": "\(coordinator.name)"])
                return command.id
            }
        }
        let delivered = commands.deliver(command)
        logger.debug("command issued", metadata: ["node": "\(nodeID)", "kind": "\(kind.rawValue)", "delivered": "\(delivered)"])
        return command.id
    }

    /// Writes the heartbeats received since the last flush.
    func flushHeartbeats() async {
        guard !unsavedHeartbeats.isEmpty else { return }
        let batch = unsavedHeartbeats
        unsavedHeartbeats = [:]
        do { try await inWriteOrder { try await store.saveHeartbeats(batch) } } catch {
            logger.warning("cannot store heartbeats", metadata: ["error": "\(error)"])
            unsavedHeartbeats.merge(batch) { newer, _ in newer }
        }
    }

    /// Ends every `WatchEvents` and `WatchCommands` stream.
    nonisolated func endStreams() {
        events.finishAll()
        commands.finishAll()
    }

    func shutdown() async {
        await flushHeartbeats()
        endStreams()
        notificationContinuation.finish()
        coordinatorJobs.finish()
    }
}
