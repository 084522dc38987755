import Foundation
import Logging
import NavarchCore
import NavarchHealth
import NavarchStore

/// Executes the fleet brain (``FleetBrain``): feeds it one input at a time, writes what each
/// input produced to the store in one transaction before anyone sees it (a failed write fails
/// the call and changes nothing), then publishes the events, delivers the commands, hands the
/// coordinator its work and wakes the services that sleep until the brain's next deadline.
/// Every decision is the brain's; this actor holds no rule of its own.
public actor FleetController {
    let store: any Store
    let clock: any NavarchClock
    let logger: Logger
    let configuration: ControlPlaneConfiguration
    let providers: [String: any Provider]
    /// Recorded events on their way to the notifiers (see ``NotificationService``).
    let notifications: AsyncStream<FleetEvent>
    let notificationContinuation: AsyncStream<FleetEvent>.Continuation
    let events = EventHub()
    let commands = CommandBroker()
    let coordinatorJobs: AsyncStream<CoordinatorJob>.Continuation
    let coordinatorWork: AsyncStream<CoordinatorJob>
    /// The fleet and every decision about it.
    var brain: FleetBrain
    /// Tells the heartbeat monitor that a deadline earlier than the one it sleeps for may exist.
    let timersChanged = WakeUpSignal()
    /// Signalled whenever the reconciler should look at the fleet again.
    let reconcileWanted = WakeUpSignal()
    /// Heartbeat times not yet written to the store.
    var unsavedHeartbeats: [String: Date] = [:]
    /// Address given to provisioned agents; set once the gRPC server is bound.
    var controlPlaneAddress = ""
    /// Signs the join tokens of cloud machines; nil when no provider bootstraps agents.
    var joinTokens: JoinTokenIssuer?
    /// The control plane's own judgment of what agents report.
    var judge: ObservationJudge
    /// The CA machines trust the control plane by (PEM); empty when it serves plaintext.
    var caCertificatePEM = ""
    /// Where cloud machines get the agent; set once the HTTP server is bound.
    var agentDownload: AgentDownload?
    public let startedAt: Date
    /// Whether an input is under way; the others wait in line (``inTurn(_:)``).
    var busy = false
    var waiting: [CheckedContinuation<Void, Never>] = []

    init(
        configuration: ControlPlaneConfiguration, store: any Store, providers: [String: any Provider],
        scheduler: any Scheduler, remediator: any Remediator, clock: any NavarchClock,
        logger: Logger, coordinator: (any Coordinator)? = nil, ids: IdentifierGenerator = .random
    ) {
        (coordinatorWork, coordinatorJobs) = AsyncStream<CoordinatorJob>.makeStream()
        self.configuration = configuration
        self.judge = ObservationJudge(
            policy: configuration.healthPolicy,
            poolPolicies: Dictionary(
                configuration.pools.compactMap { pool in pool.healthPolicy.map { (pool.name, $0) } }, uniquingKeysWith: { first, _ in first }))
        self.store = store
        self.providers = providers
        (notifications, notificationContinuation) = AsyncStream<FleetEvent>.makeStream(bufferingPolicy: .bufferingOldest(100_000))
        self.clock = clock
        self.logger = logger
        self.startedAt = clock.now
        var policy = configuration.fleet
        policy.coordinator = coordinator.map { CoordinatorPolicy(name: $0.name, holdOnDrainTimeout: configuration.coordinator?.onTimeout == .hold) }
        brain = FleetBrain(
            policy: policy, providers: providers.keys.sorted().compactMap { providers[$0].map(ProviderTraits.init) },
            scheduler: scheduler, remediator: remediator, ids: ids, now: clock.now)
    }

    /// Loads the stored fleet into the brain; returns the stored settings (tokens live there).
    @discardableResult
    func load() async throws -> [String: Data] {
        let snapshot = try await store.loadSnapshot()
        try brain.load(snapshot, at: clock.now)
        timersChanged.signal()
        logger.info(
            "fleet loaded",
            metadata: [
                "pools": "\(snapshot.pools.count)", "instances": "\(snapshot.instances.count)", "nodes": "\(snapshot.nodes.count)",
                "lastEvent": "\(snapshot.lastEventSequence)",
            ])
        return snapshot.settings
    }

    func setControlPlaneAddress(_ address: String) async {
        controlPlaneAddress = address
        await inTurn { brain.setControlPlaneAddress(address) }
    }

    func setBootstrap(joinTokens: JoinTokenIssuer, download: AgentDownload?, caCertificatePEM: String) {
        self.joinTokens = joinTokens
        self.agentDownload = download
        self.caCertificatePEM = caCertificatePEM
    }

    /// Asks the reconciler to run soon.
    nonisolated func wake() {
        reconcileWanted.signal()
    }

    // MARK: - Executing inputs

    /// Feeds one input to the brain and executes what it produced: the records in one store
    /// transaction (when the store refuses them the brain is rolled back and the call fails),
    /// then the events, commands, coordinator work and log lines.
    func apply<T: Sendable>(_ input: (inout FleetBrain) throws -> T) async throws -> T {
        try await inTurn {
            let (value, transition, mark) = try brain.run(at: clock.now, input)
            if !transition.records.isEmpty {
                do { try await store.commit(transition.records) } catch {
                    brain.rollback(to: mark)
                    logger.error("cannot store the fleet's change; nothing changed", metadata: ["records": "\(transition.records.count)", "error": "\(error)"])
                    throw NavarchError(.unavailable, "the control plane cannot store the change: \(error)")
                }
            }
            execute(transition)
            if let failure = transition.failure { throw failure }
            return value
        }
    }

    /// Reads the brain between inputs: never a state whose records are still being written.
    func read<T: Sendable>(_ question: (FleetBrain) throws -> T) async rethrows -> T {
        try await inTurn { try question(brain) }
    }

    /// Runs `body` after every input issued before it. Strictly first come, first served; an
    /// input's store write leaves the actor, and the next input must start from its result.
    func inTurn<T: Sendable>(_ body: () async throws -> T) async rethrows -> T {
        if busy {
            await withCheckedContinuation { waiting.append($0) }
        } else {
            busy = true
        }
        defer {
            if waiting.isEmpty { busy = false } else { waiting.removeFirst().resume() }
        }
        return try await body()
    }

    private func execute(_ transition: FleetTransition) {
        for event in transition.events {
            events.publish(event)
            notificationContinuation.yield(event)
        }
        for effect in transition.effects {
            switch effect {
            case .deliver(let command):
                let delivered = commands.deliver(command)
                logger.debug("command issued", metadata: ["node": "\(command.nodeID)", "kind": "\(command.kind.rawValue)", "delivered": "\(delivered)"])
            case .coordinate(let job):
                coordinatorJobs.yield(job)
            case .log(let line):
                logger.log(level: line.level.loggerLevel, "\(line.message)", metadata: line.metadata.mapValues { .string($0) })
            }
        }
        if transition.reconcile { reconcileWanted.signal() }
        if transition.timersChanged { timersChanged.signal() }
    }

    /// Runs an input whose failure is only logged (a periodic pass: it runs again).
    private func applyLogging(_ what: String, _ input: (inout FleetBrain) throws -> Void) async {
        do { try await apply(input) } catch {
            logger.error("\(what)", metadata: ["error": "\(error)"])
        }
    }

    // MARK: - Nodes

    /// Registers a node; the join token is checked here (this actor holds the key) and the
    /// brain decides whether the registration needed one, and whether it issues the node a
    /// credential, whose text is returned then (only its hash is kept).
    func register(_ registration: Registration) async throws -> (Node, credential: String?) {
        var registration = registration
        if let joinTokens, !registration.instanceID.isEmpty, !registration.joinToken.isEmpty {
            do {
                try joinTokens.verify(registration.joinToken, instanceID: registration.instanceID, now: clock.now)
                registration.joinTokenCheck = .valid
            } catch {
                registration.joinTokenCheck = .refused(error)
            }
        }
        let minted = BearerCredential.mintNode(registration.nodeID)
        registration.newCredentialHash = Secrets.hash(minted.secret)
        let (node, issued) = try await apply { brain in
            let node = try brain.register(registration)
            return (node, brain.holdsCredential(nodeID: registration.nodeID, hash: registration.newCredentialHash))
        }
        guard let node else { throw NavarchError(.internal, "node \(registration.nodeID) was not registered") }
        return (node, issued ? minted.text : nil)
    }

    /// Moves the node's heartbeat deadline; the time is written with the next batch.
    func heartbeat(nodeID: String, gpus: [GPU], caller: NodeCaller) async throws {
        try await apply { brain in
            try brain.authorize(caller, asNode: nodeID)
            try brain.heartbeat(nodeID: nodeID, gpus: gpus)
        }
        unsavedHeartbeats[nodeID] = clock.now
    }

    func reportHealth(
        nodeID: String, caller: NodeCaller, health: HealthStatus, reason: String, observations: [HealthObservation], gpus: [GPU]
    ) async throws {
        let (pool, current) = try await read { brain in
            try brain.authorize(caller, asNode: nodeID)
            let node = brain.state.nodes[nodeID]
            return (node?.pool ?? "", node?.health ?? .unknown)
        }
        let judged = judge.judge(observations, node: nodeID, pool: pool, at: clock.now)
        let judgedHealth = ObservationJudge.health(reported: health, judged: judged, current: current)
        try await apply { brain in
            try brain.authorize(caller, asNode: nodeID)
            try brain.reportHealth(nodeID: nodeID, health: judgedHealth, reason: reason, observations: judged, gpus: gpus)
        }
    }

    func acknowledge(nodeID: String, caller: NodeCaller, commandID: String, success: Bool, message: String) async throws {
        try await apply { brain in
            try brain.authorize(caller, asNode: nodeID)
            try brain.acknowledge(nodeID: nodeID, commandID: commandID, success: success, message: message)
        }
    }

    /// The node's pending commands, for a fresh `WatchCommands` stream.
    func pendingCommands(for nodeID: String, caller: NodeCaller) async throws -> [NodeCommand] {
        try await read { brain in
            try brain.authorize(caller, asNode: nodeID)
            return try brain.commandsToResend(to: nodeID)
        }
    }

    /// Live command stream for a connected node.
    nonisolated func connectCommands(nodeID: String) -> AsyncStream<NodeCommand> {
        commands.connect(nodeID)
    }

    /// Marks silent nodes unhealthy and takes up the remediations whose time came.
    func checkHeartbeats() async {
        await applyLogging("cannot store the heartbeat check; it runs again in a second") { $0.checkHeartbeats() }
    }

    /// When the heartbeat monitor must look at the fleet next.
    func nextWakeUp() -> Date? {
        brain.nextWakeUp()
    }

    /// Writes the heartbeats received since the last flush.
    func flushHeartbeats() async {
        guard !unsavedHeartbeats.isEmpty else { return }
        let batch = unsavedHeartbeats
        unsavedHeartbeats = [:]
        do { try await inTurn { try await store.saveHeartbeats(batch) } } catch {
            logger.warning("cannot store heartbeats", metadata: ["error": "\(error)"])
            unsavedHeartbeats.merge(batch) { newer, _ in newer }
        }
    }

    // MARK: - Operators

    func listNodes(pool: String?) async -> [Node] { await read { $0.listNodes(pool: pool) } }
    func listNodes(_ query: NodeQuery) async -> NodePage { await read { $0.listNodes(query) } }
    func poolCounts() async -> [String: PoolCounts] { await read { $0.poolCounts() } }
    func node(_ nodeID: String) async throws -> Node { try await read { try $0.node(nodeID) } }
    func listInstances(pool: String?) async -> [Instance] { await read { $0.listInstances(pool: pool) } }
    func listPools() async -> [Pool] { await read { $0.listPools() } }
    func breakerList() async -> [CircuitBreaker] { await read { $0.breakerList() } }
    var providerNames: [String] { providers.keys.sorted() }

    func createPool(
        name: String, provider: String, gpuType: String, gpus: Int, options: PoolOptions = PoolOptions(),
        minNodes: Int = 0, maxNodes: Int = 0, labels: [String: String] = [:], autoscaling: PoolAutoscaling? = nil, actor: String = ""
    ) async throws -> Pool {
        try await apply {
            try $0.createPool(
                name: name, provider: provider, gpuType: gpuType, gpus: gpus, options: options, minNodes: minNodes, maxNodes: maxNodes,
                labels: labels, autoscaling: autoscaling, actor: actor)
        }
    }

    func scalePool(name: String, desiredNodes: Int, actor: String = "") async throws -> Pool {
        try await apply { try $0.scalePool(name: name, desiredNodes: desiredNodes, actor: actor) }
    }

    func deletePool(name: String, actor: String = "") async throws -> Pool {
        try await apply { try $0.deletePool(name: name, actor: actor) }
    }

    func cordon(nodeID: String, reason: String, actor: String = "") async throws -> Node {
        try await apply { try $0.cordon(nodeID: nodeID, reason: reason, actor: actor) }
    }

    func drain(nodeID: String, reason: String, actor: String = "") async throws -> Node {
        try await apply { try $0.drain(nodeID: nodeID, reason: reason, actor: actor) }
    }

    func uncordon(nodeID: String, force: Bool = false, reason: String = "", actor: String = "") async throws -> Node {
        try await apply { try $0.uncordon(nodeID: nodeID, force: force, reason: reason, actor: actor) }
    }

    func runDiagnostic(nodeID: String, suite: String, level: Int, actor: String = "") async throws -> (Node, String) {
        try await apply { try $0.runDiagnostic(nodeID: nodeID, suite: suite, level: level, actor: actor) }
    }

    /// Records an operator's change made outside the fleet (tokens); a failure to store the
    /// record is logged: the change itself is stored already.
    func audit(_ kind: String, _ message: String, actor: String) async {
        await applyLogging("cannot store the audit record \(kind)") { $0.audit(kind, message, actor: actor) }
    }

    func resetBreakers(scope: String, actor: String) async throws -> [CircuitBreaker] {
        try await apply { try $0.resetBreakers(scope: scope, actor: actor) }
    }

    func reportQueue(pool: String, depth: Int, nodeJobs: [String: Int], actor: String = "") async throws -> Pool {
        try await apply { try $0.reportQueue(pool: pool, depth: depth, nodeJobs: nodeJobs, actor: actor) }
    }

    func applyConfiguredPools(_ definitions: [PoolDefinition]) async throws {
        try await apply { try $0.applyConfiguredPools(definitions.map(\.configured)) }
    }

    func listEvents(after sequence: Int64, limit: Int, nodeID: String?, pool: String?) async throws -> [FleetEvent] {
        try await store.events(after: sequence, limit: limit, nodeID: nodeID, pool: pool)
    }

    nonisolated func subscribeEvents() -> AsyncStream<FleetEvent> {
        events.subscribe()
    }

    /// Gives `write` every event after `sequence` (of the node or pool, when named): the stored
    /// history first, a page at a time, then live ones as they happen, until the stream ends or
    /// `write` throws. Subscribed before the history is read, so nothing falls in between.
    nonisolated func followEvents(
        after sequence: Int64, nodeID: String?, pool: String?, _ write: (FleetEvent) async throws -> Void
    ) async throws {
        let live = subscribeEvents()
        var last = sequence
        while true {
            let page = try await listEvents(after: last, limit: 1000, nodeID: nodeID, pool: pool)
            for event in page {
                try await write(event)
                last = event.sequence
            }
            if page.count < 1000 { break }
        }
        for await event in live where event.sequence > last {
            if let nodeID, event.nodeID != nodeID { continue }
            if let pool, event.pool != pool { continue }
            try await write(event)
            last = event.sequence
        }
    }

    // MARK: - Periodic passes

    func autoscale() async {
        await applyLogging("cannot store the autoscaling pass") { $0.autoscale() }
    }

    func runScheduledDiagnostics() async {
        await applyLogging("cannot store the scheduled diagnostics") { $0.runScheduledDiagnostics() }
    }

    // MARK: - Providers

    /// The provider calls the brain wants now, with the agent's bootstrap for machines whose
    /// provider starts the agent from user data.
    func reconcile() async -> [ProviderOperation] {
        do {
            return try await apply { $0.reconcile() }.map(bootstrapped)
        } catch {
            logger.error("cannot store the reconcile pass; it runs again", metadata: ["error": "\(error)"])
            return []
        }
    }

    /// When the reconciler must look again though nothing changed.
    func nextReconcile() -> Date? {
        brain.nextReconcile(at: clock.now)
    }

    /// A provision with what the machine needs to join: its join token, the CA to trust and,
    /// for a cloud machine, the user data that installs and starts the agent.
    private func bootstrapped(_ operation: ProviderOperation) -> ProviderOperation {
        guard case .provision(var request, let name) = operation, let provider = providers[name] else { return operation }
        request.controlPlaneAddress = controlPlaneAddress
        if let joinTokens { request.joinToken = joinTokens.issue(instanceID: request.instanceID, now: clock.now) }
        request.caCertificatePEM = caCertificatePEM
        if provider.bootstrapsAgent, let agentDownload {
            let spot = provider.spotNotices.map { ["--spot-notices", $0] } ?? []
            request.userData = AgentBootstrap(
                agentURL: agentDownload.url, agentSHA256: agentDownload.sha256, controlPlaneAddress: controlPlaneAddress,
                nodeID: request.nodeID, instanceID: request.instanceID, pool: request.pool,
                joinToken: request.joinToken, caCertificatePEM: caCertificatePEM,
                agentArguments: configuration.agentArguments + ["--expect-gpus", "\(request.instanceType.gpusPerNode)"] + spot
            ).userData()
        }
        return .provision(request, provider: name)
    }

    func provider(named name: String) -> (any Provider)? { providers[name] }

    func provisionStarted(instanceID: String) async throws {
        try await applyProviderOutcome(instanceID) { try $0.provisionStarted(instanceID: instanceID) }
    }

    func provisionFinished(instanceID: String, result: Result<ProvisionedInstance, any Error>) async throws {
        try await applyProviderOutcome(instanceID) { try $0.provisionFinished(instanceID: instanceID, result: result) }
    }

    func terminateFinished(instanceID: String, error: (any Error)?) async throws {
        try await applyProviderOutcome(instanceID) { try $0.terminateFinished(instanceID: instanceID, error: error) }
    }

    /// A provider call's outcome; when it cannot be stored, the instance is no longer in flight
    /// and the next pass asks again (provisions are idempotent).
    private func applyProviderOutcome(_ instanceID: String, _ input: (inout FleetBrain) throws -> Void) async throws {
        do { try await apply(input) } catch {
            await inTurn { brain.providerCallAbandoned(instanceID: instanceID) }
            wake()
            throw error
        }
    }

    func orphans(provider name: String, machines: [ProvisionedInstance]) async throws -> [ProvisionedInstance] {
        try await apply { try $0.orphans(provider: name, machines: machines) }
    }

    func adopt(provider name: String, machines: [ProvisionedInstance]) async throws {
        try await apply { try $0.adopt(provider: name, machines: machines) }
    }

    // MARK: - Coordinator

    func coordinatorDrainFinished(nodeID: String, drained: Bool, message: String) async {
        await applyLogging("cannot finish a coordinated drain of \(nodeID)") {
            try $0.coordinatorDrainFinished(nodeID: nodeID, drained: drained, message: message)
        }
    }

    func coordinatorFailed(nodeID: String, action: String, error: String) async {
        await applyLogging("cannot record a coordinator failure of \(nodeID) (\(action))") {
            $0.coordinatorFailed(nodeID: nodeID, action: action, error: error)
        }
    }

    // MARK: - Shutdown

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

extension FleetLog.Level {
    var loggerLevel: Logger.Level {
        switch self {
        case .debug: .debug
        case .info: .info
        case .warning: .warning
        case .error: .error
        }
    }
}
