import Foundation
import NavarchCore
import NavarchHealth

/// Runs a scenario against the fleet brain the control plane runs, in virtual time: a
/// discrete-event queue of what the world does (the scenario's events, agents answering
/// commands, providers answering calls, machines booting, failing and recovering) and of the
/// brain's own deadlines. Nothing sleeps, and the same scenario, policy and seed give the same
/// report.
///
/// Heartbeats are not simulated one by one: a running agent holds a lease on the brain's
/// heartbeat tracker until the end, and a node that goes silent closes its lease at that moment,
/// so its silence is a deadline passing.
public struct Simulation {
    /// What the brain decides by, and how agents judge their GPUs.
    public struct Options: Sendable {
        public var seed: UInt64
        public var policy: FleetPolicy
        public var healthPolicy: HealthPolicy
        /// Pools of a navarch.yaml, applied with the scenario's own.
        public var pools: [ConfiguredPool]
        /// How often the autoscalers and the scheduled diagnostics run, as in the control plane.
        public var autoscaleInterval: Duration
        public var diagnosticCheckInterval: Duration

        public init(
            seed: UInt64 = 1, policy: FleetPolicy = FleetPolicy(), healthPolicy: HealthPolicy = .builtin, pools: [ConfiguredPool] = [],
            autoscaleInterval: Duration = .seconds(30), diagnosticCheckInterval: Duration = .seconds(30)
        ) {
            self.seed = seed
            self.policy = policy
            self.healthPolicy = healthPolicy
            self.pools = pools
            self.autoscaleInterval = autoscaleInterval
            self.diagnosticCheckInterval = diagnosticCheckInterval
        }
    }

    enum Happening: Sendable {
        case scenario(Int)
        /// A wait_for_status looks again (event index, deadline).
        case waitAgain(Int, Double)
        case heartbeatCheck
        case reconcile
        case autoscale
        case scheduledDiagnostics
        case sample
        case acknowledge(nodeID: String, commandID: String, success: Bool, message: String)
        /// A machine that acknowledged its reboot goes down.
        case goesDown(nodeID: String)
        /// A rebooted machine is back and registers; whether the reboot cleared its faults.
        case bootedAgain(nodeID: String, repaired: Bool)
        /// A provider answers a call made `latency` ago.
        case provisionAnswered(ProvisionRequest, provider: String)
        case terminateAnswered(instanceID: String, provider: String)
        /// A provisioned machine has booted and its agent starts.
        case machineBooted(instanceID: String, provider: String)
        case preempted(instanceID: String, provider: String)
        case coordinatorDrained(nodeID: String)
        /// The next chaos failure somewhere in the fleet.
        case chaos
        /// A failure spreads to a neighbour (cascade root, source node, depth).
        case cascade(root: Int, from: String, depth: Int)
        case recover(nodeID: String, type: Scenario.FailureType, gpu: Int)
        case outageStarts(Int)
        case outageEnds(Int)
        /// The generated fleet grows to these sizes (pool, nodes) as its startup pattern says.
        case grow([(String, Int)])
    }

    public static let epoch = Date(timeIntervalSince1970: 1_800_000_000)

    let scenario: Scenario
    let options: Options
    var brain: FleetBrain
    /// The world's chance (repairs, boots, provider answers)…
    var random: SeededRandom
    /// …and the chaos's own (when failures arrive and what they are), apart, so that two
    /// policies on the same seed meet the same failures.
    var chaosRandom: SeededRandom
    var queue = EventQueue<Happening>()
    var agents: [String: SimulatedAgent] = [:]
    var now: Double = 0
    let end: Double
    var heartbeatCheckAt: Double?
    var reconcileAt: Double?
    var lastReconcile: Double?
    var report: SimulationReport
    var metrics: MetricsRecorder
    /// The pools the brain keeps: the scenario's, navarch.yaml's and the stress generator's.
    var pools: [ConfiguredPool] = []
    var providers: [String: SimulatedProvider] = [:]
    /// Fixed machines being paid for, by node.
    var fixedMachines: [String: (provider: String, gpus: Int, hourlyUSD: Double)] = [:]
    /// Running agents, for picking a victim in constant time, and by scope for cascades and outages.
    var running = IndexedSet()
    /// Live nodes out of service (not active, unhealthy, or not heard), as last observed.
    var outOfService: Set<String> = []
    var scopeMembers: [String: IndexedSet] = [:]
    /// Machines that have come up in each zone, for numbering their racks.
    var machinesByZone: [String: Int] = [:]
    /// Outages under way (their scope keys), and the nodes each took down.
    var outagesDown: [Int: String] = [:]
    var outageVictims: [Int: [String]] = [:]
    /// How many nodes each cascade has reached.
    var cascadeReach: [Int: Int] = [:]
    var cascades = 0
    /// Nodes the scenario means to run: its fixed fleet and its pools' sizes.
    var nominalNodes = 0
    /// Machines of each generated pool still to come up at its startup pattern's pace.
    var startingUp: [String: Int] = [:]

    /// Prepares a run; a scenario this simulator cannot run fails here with what it lacks.
    public init(_ scenario: Scenario, options: Options = Options()) throws {
        self.scenario = scenario
        self.options = options
        let poolNames = Set(scenario.pools.map(\.name) + options.pools.map(\.name))
        for (index, event) in scenario.events.enumerated() where event.action == .setQueue && !poolNames.contains(event.target) {
            throw ScenarioError(
                file: scenario.file, line: event.line, key: "events[\(index)].target",
                problem: "no pool '\(event.target)' in the scenario or the policy; known: \(poolNames.sorted().joined(separator: ", "))")
        }
        var generated: [Scenario.PoolSpec] = []
        if let generator = scenario.stress?.fleetGen {
            generated = try FleetGenerator(generator: generator, file: scenario.file).pools()
            for pool in generated { startingUp[pool.name] = pool.nodes }
        }
        let pools = scenario.pools.map(\.configured) + options.pools + generated.map(\.configured)
        nominalNodes = scenario.fleet.count + pools.reduce(0) { total, pool in
            let perNode = (try? InstanceTypeCatalog.named(pool.gpuType))?.gpusPerNode ?? 8
            return total + max(pool.gpus / max(perNode, 1), pool.minNodes)
        }
        var names = Set(scenario.fleet.map(\.provider)).union(scenario.providers.map(\.name))
        for pool in pools { names.formUnion(Pool.providerCandidates(pool.provider)) }
        let traits = names.sorted().map { ProviderTraits(name: $0, supportsSpot: $0 != "lambda", supportsClusterPlacement: $0 != "lambda") }
        brain = FleetBrain(
            policy: options.policy, providers: traits, scheduler: PriorityScheduler(), remediator: RepairBeforeReplace(),
            ids: .seeded(options.seed), now: Self.epoch)
        random = SeededRandom(seed: options.seed)
        chaosRandom = SeededRandom(seed: options.seed ^ 0x9E37_79B9_7F4A_7C15)
        for name in names.sorted() {
            providers[name] = SimulatedProvider(name: name, spec: scenario.providers.first { $0.name == name }, world: scenario.world)
        }
        for machine in scenario.fleet { agents[machine.id] = SimulatedAgent(machine: machine, policy: options.healthPolicy) }
        var end = scenario.stress?.duration.timeInterval ?? 0
        for (index, event) in scenario.events.enumerated() {
            var at = event.at.timeInterval
            queue.schedule(.scenario(index), at: at)
            if event.action == .waitForStatus { at += event.params["timeout"].flatMap(DurationParser.parse)?.timeInterval ?? 30 }
            if event.action == .wait { at += event.params["duration"].flatMap(DurationParser.parse)?.timeInterval ?? 0 }
            end = max(end, at)
        }
        self.end = end
        // At most about 720 samples a run, and never more often than the file asks.
        let interval = max(scenario.stress?.metricsInterval.timeInterval ?? 5, end / 720, 1)
        metrics = MetricsRecorder(sampleInterval: interval)
        report = SimulationReport(scenario: scenario.name, seed: options.seed, duration: end)
        queue.schedule(.sample, at: 0)
        if pools.contains(where: { $0.autoscaling != nil }) { queue.schedule(.autoscale, at: options.autoscaleInterval.timeInterval) }
        if !options.policy.diagnosticSchedules.isEmpty { queue.schedule(.scheduledDiagnostics, at: options.diagnosticCheckInterval.timeInterval) }
        if let stress = scenario.stress { scheduleChaos(stress) }
        for machine in scenario.fleet { join(machine.id) }
        if let startup = scenario.stress?.fleetGen?.startup {
            let starting = Set(planStartup(generated, startup).filter { $0.nodes == 1 }.map(\.name))
            self.pools = pools.map { pool in
                guard starting.contains(pool.name), let type = try? InstanceTypeCatalog.named(pool.gpuType) else { return pool }
                var first = pool
                first.gpus = type.gpusPerNode
                return first
            }
        } else {
            self.pools = pools
        }
    }

    /// Runs to the end and checks the assertions.
    public mutating func run() throws -> SimulationReport {
        let pools = self.pools
        if !pools.isEmpty { try input { try $0.applyConfiguredPools(pools) } }
        while let next = queue.nextTime(), next <= end {
            let (time, happening) = queue.pop()!
            now = time
            do {
                try handle(happening)
            } catch let refusal as NavarchError {
                // The brain refused what the world did (a command for a node gone, a late
                // answer): the run goes on, as the control plane would, and says so.
                refused(refusal)
            }
        }
        now = end
        for assertion in scenario.assertions { report.assertions.append(check(assertion)) }
        let nodes = brain.state.nodes
        for node in nodes.values { report.nodeCounts["\(node.state.rawValue), \(node.health.rawValue)", default: 0] += 1 }
        if nodes.count <= SimulationReport.nodesListedAtMost {
            report.nodes = nodes.values.sorted { $0.id < $1.id }.map {
                SimulationReport.NodeSummary(id: $0.id, state: $0.state.rawValue, health: $0.health.rawValue, reason: $0.healthReason)
            }
        }
        report.metrics = metrics.finished(at: end, calls: providers.mapValues(\.calls))
        return report
    }

    var date: Date { Self.epoch.addingTimeInterval(now) }

    // MARK: - The brain

    /// One input to the brain at the current time; its effects are carried out in the world,
    /// and the nodes it changed are looked at again for the figures.
    @discardableResult
    mutating func input<T>(reconciles: Bool = true, _ body: (inout FleetBrain) throws -> T) throws -> T {
        let (value, transition, _) = try brain.run(at: date, body)
        report.inputs += 1
        for record in transition.records {
            switch record {
            case .event(let event):
                report.events[event.kind, default: 0] += 1
                metrics.note(event)
                if event.kind == "breaker.opened" { log(event.message) }
            case .node(let node):
                observe(node.id)
            default:
                break
            }
        }
        for effect in transition.effects {
            switch effect {
            case .deliver(let command): deliver(command)
            case .coordinate(.drain(let node, _)):
                queue.schedule(.coordinatorDrained(nodeID: node.id), at: now + random.exponential(mean: scenario.world.coordinatorDrainTime.timeInterval))
            case .coordinate, .log: break
            }
        }
        if let wake = brain.nextWakeUp() {
            let at = max(wake.timeIntervalSince(Self.epoch), now)
            if heartbeatCheckAt.map({ at < $0 }) ?? true {
                heartbeatCheckAt = at
                queue.schedule(.heartbeatCheck, at: at)
            }
        }
        if reconciles && transition.reconcile { scheduleReconcile(at: now) }
        if let failure = transition.failure { throw failure }
        return value
    }

    /// Asks for a reconcile pass at `time`, or a second after the last one: the reconciler's
    /// passes take a while in a real control plane, so the changes of a second share one.
    mutating func scheduleReconcile(at requested: Double) {
        let time = max(requested, lastReconcile.map { $0 + 1 } ?? requested)
        guard reconcileAt.map({ time < $0 }) ?? true else { return }
        reconcileAt = time
        queue.schedule(.reconcile, at: time)
    }

    // MARK: - The world

    mutating func handle(_ happening: Happening) throws {
        switch happening {
        case .scenario(let index):
            try perform(scenario.events[index], index: index)
        case .waitAgain(let index, let deadline):
            try waitForStatus(scenario.events[index], index: index, deadline: deadline)
        case .heartbeatCheck:
            guard heartbeatCheckAt == now else { return }
            heartbeatCheckAt = nil
            try input { $0.checkHeartbeats() }
        case .reconcile:
            guard reconcileAt == now else { return }
            reconcileAt = nil
            lastReconcile = now
            report.reconcilePasses += 1
            try reconcile()
        case .autoscale:
            try input { $0.autoscale() }
            queue.schedule(.autoscale, at: now + options.autoscaleInterval.timeInterval)
        case .scheduledDiagnostics:
            try input { $0.runScheduledDiagnostics() }
            queue.schedule(.scheduledDiagnostics, at: now + options.diagnosticCheckInterval.timeInterval)
        case .sample:
            sample()
            queue.schedule(.sample, at: now + metrics.metrics.sampleInterval)
        case .acknowledge(let nodeID, let commandID, let success, let message):
            guard let agent = agents[nodeID], agent.reachable,
                  brain.pendingCommands(for: nodeID).contains(where: { $0.id == commandID })
            else { return }
            try input { try $0.acknowledge(nodeID: nodeID, commandID: commandID, success: success, message: message) }
        case .goesDown(let nodeID):
            guard agents[nodeID]?.running == true else { return }
            try stop(nodeID)
        case .bootedAgain(let nodeID, let repaired):
            guard var agent = agents[nodeID], machineExists(agent) else { return }
            if repaired { agent.health.repaired(gpuIndex: nil) }
            agents[nodeID] = agent
            try start(nodeID)
        case .provisionAnswered(let request, let provider):
            try provisionAnswered(request, provider: provider)
        case .terminateAnswered(let instanceID, let provider):
            try terminateAnswered(instanceID: instanceID, provider: provider)
        case .machineBooted(let instanceID, let provider):
            try machineBooted(instanceID: instanceID, provider: provider)
        case .preempted(let instanceID, let provider):
            try preempted(instanceID: instanceID, provider: provider)
        case .coordinatorDrained(let nodeID):
            try input { try $0.coordinatorDrainFinished(nodeID: nodeID, drained: true, message: "the workload scheduler moved the node's work") }
        case .chaos:
            try chaosFailure()
        case .cascade(let root, let from, let depth):
            try cascade(root: root, from: from, depth: depth)
        case .recover(let nodeID, let type, let gpu):
            try recover(nodeID, type: type, gpu: gpu)
        case .outageStarts(let index):
            try outageStarts(index)
        case .outageEnds(let index):
            try outageEnds(index)
        case .grow(let sizes):
            for (pool, nodes) in sizes { try input { _ = try $0.scalePool(name: pool, desiredNodes: nodes, actor: "simulator/startup", reason: "the fleet starts up") } }
        }
    }

    /// A refusal is counted, and the first few are logged.
    mutating func refused(_ error: NavarchError) {
        report.refusals += 1
        if report.refusals <= 20 { log("the brain refused: \(error)") }
    }

    mutating func log(_ message: String) {
        report.log.append(SimulationReport.LogLine(at: now, message: message))
    }
}
