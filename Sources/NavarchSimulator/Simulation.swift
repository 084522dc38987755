import Foundation
import NavarchCore
import NavarchHealth

/// Runs a scenario against the fleet brain the control plane runs, in virtual time: a
/// discrete-event queue of what the world does (the scenario's events, agents answering
/// commands, machines rebooting) and of the brain's own deadlines. Nothing sleeps, and the same
/// scenario, policy and seed give the same report.
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

        public init(seed: UInt64 = 1, policy: FleetPolicy = FleetPolicy(), healthPolicy: HealthPolicy = .builtin) {
            self.seed = seed
            self.policy = policy
            self.healthPolicy = healthPolicy
        }
    }

    enum Happening: Sendable {
        case scenario(Int)
        /// A wait_for_status looks again (event index, deadline).
        case waitAgain(Int, Double)
        case heartbeatCheck
        case acknowledge(nodeID: String, commandID: String, success: Bool, message: String)
        /// A machine that acknowledged its reboot goes down.
        case goesDown(nodeID: String)
        /// A rebooted machine is back and registers; whether the reboot cleared its faults.
        case bootedAgain(nodeID: String, repaired: Bool)
    }

    public static let epoch = Date(timeIntervalSince1970: 1_800_000_000)

    let scenario: Scenario
    let options: Options
    var brain: FleetBrain
    var random: SeededRandom
    var queue = EventQueue<Happening>()
    var agents: [String: SimulatedAgent] = [:]
    var now: Double = 0
    let end: Double
    var heartbeatCheckAt: Double?
    var report: SimulationReport

    /// Prepares a run; a scenario this simulator cannot run yet fails here with what it lacks.
    public init(_ scenario: Scenario, options: Options = Options()) throws {
        guard scenario.pools.isEmpty else {
            throw ScenarioError(file: scenario.file, line: nil, key: "pools", problem: "pools are not simulated yet: only a scenario's fixed fleet runs")
        }
        guard scenario.stress == nil else {
            throw ScenarioError(file: scenario.file, line: nil, key: "stress", problem: "stress runs (fleet_gen, chaos) are not simulated yet: only a scenario's fixed fleet runs")
        }
        self.scenario = scenario
        self.options = options
        let providers = Set(scenario.fleet.map(\.provider)).sorted().map { ProviderTraits(name: $0) }
        brain = FleetBrain(
            policy: options.policy, providers: providers, scheduler: PriorityScheduler(), remediator: RepairBeforeReplace(),
            ids: .seeded(options.seed), now: Self.epoch)
        random = SeededRandom(seed: options.seed)
        for machine in scenario.fleet { agents[machine.id] = SimulatedAgent(machine: machine, policy: options.healthPolicy) }
        var end = 0.0
        for (index, event) in scenario.events.enumerated() {
            var at = event.at.timeInterval
            queue.schedule(.scenario(index), at: at)
            if event.action == .waitForStatus { at += event.params["timeout"].flatMap(DurationParser.parse)?.timeInterval ?? 30 }
            if event.action == .wait { at += event.params["duration"].flatMap(DurationParser.parse)?.timeInterval ?? 0 }
            end = max(end, at)
        }
        self.end = end
        report = SimulationReport(scenario: scenario.name, seed: options.seed, duration: end)
    }

    /// Runs to the end and checks the assertions.
    public mutating func run() throws -> SimulationReport {
        while let next = queue.nextTime(), next <= end {
            let (time, happening) = queue.pop()!
            now = time
            try handle(happening)
        }
        now = end
        for assertion in scenario.assertions { report.assertions.append(check(assertion)) }
        report.nodes = brain.listNodes(pool: nil).sorted { $0.id < $1.id }.map {
            SimulationReport.NodeSummary(id: $0.id, state: $0.state.rawValue, health: $0.health.rawValue, reason: $0.healthReason)
        }
        return report
    }

    var date: Date { Self.epoch.addingTimeInterval(now) }

    // MARK: - The brain

    /// One input to the brain at the current time; its effects are carried out in the world.
    @discardableResult
    mutating func input<T>(_ body: (inout FleetBrain) throws -> T) throws -> T {
        let (value, transition, _) = try brain.run(at: date, body)
        report.inputs += 1
        for event in transition.events { report.events[event.kind, default: 0] += 1 }
        for effect in transition.effects {
            if case .deliver(let command) = effect { deliver(command) }
        }
        if let wake = brain.nextWakeUp() {
            let at = max(wake.timeIntervalSince(Self.epoch), now)
            if heartbeatCheckAt.map({ at < $0 }) ?? true {
                heartbeatCheckAt = at
                queue.schedule(.heartbeatCheck, at: at)
            }
        }
        if let failure = transition.failure { throw failure }
        return value
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
        case .acknowledge(let nodeID, let commandID, let success, let message):
            guard let agent = agents[nodeID], agent.running, !agent.silent,
                  brain.pendingCommands(for: nodeID).contains(where: { $0.id == commandID })
            else { return }
            try input { try $0.acknowledge(nodeID: nodeID, commandID: commandID, success: success, message: message) }
        case .goesDown(let nodeID):
            guard agents[nodeID]?.running == true else { return }
            agents[nodeID]?.running = false
            if agents[nodeID]?.silent == false { try goSilent(nodeID) }
        case .bootedAgain(let nodeID, let repaired):
            guard var agent = agents[nodeID] else { return }
            if repaired { agent.health.repaired(gpuIndex: nil) }
            agents[nodeID] = agent
            try start(nodeID)
        }
    }

    /// The agent on `nodeID` registers, heartbeats until the end and takes its pending commands.
    mutating func start(_ nodeID: String) throws {
        guard var agent = agents[nodeID], brain.state.nodes[nodeID]?.state != .terminated else { return }
        agent.running = true
        agents[nodeID] = agent
        let registration = agent.registration
        try input { _ = try $0.register(registration) }
        try heartbeatUntilTheEnd(nodeID)
        for command in try brain.commandsToResend(to: nodeID) { deliver(command) }
    }

    mutating func heartbeatUntilTheEnd(_ nodeID: String) throws {
        guard let agent = agents[nodeID] else { return }
        let until = Self.epoch.addingTimeInterval(end)
        try input { try $0.heartbeat(nodeID: nodeID, gpus: agent.health.gpus, heardUntil: until) }
    }

    /// The node stops being heard from now: its lease closes with a last heartbeat.
    mutating func goSilent(_ nodeID: String) throws {
        guard let agent = agents[nodeID] else { return }
        try input { try $0.heartbeat(nodeID: nodeID, gpus: agent.health.gpus) }
    }

    mutating func report(_ nodeID: String, _ observations: [HealthObservation]) throws {
        guard let agent = agents[nodeID], agent.running, !agent.silent, !observations.isEmpty else { return }
        try input {
            try $0.reportHealth(nodeID: nodeID, health: agent.health.health, reason: agent.health.reason, observations: observations, gpus: agent.health.gpus)
        }
    }

    /// A command reaches the agent (when it is connected) and is answered after the time it takes.
    mutating func deliver(_ command: NodeCommand) {
        guard var agent = agents[command.nodeID], agent.running, !agent.silent else { return }
        defer { agents[command.nodeID] = agent }
        let world = scenario.world
        switch command.kind {
        case .cordon, .uncordon, .terminate:
            acknowledge(command, after: 1, success: true, message: "done")
        case .drain:
            acknowledge(command, after: 30, success: true, message: "drained")
        case .runDiagnostic:
            let healthy = agent.health.health == .healthy
            acknowledge(command, after: world.diagnosticTime.timeInterval, success: healthy, message: healthy ? "passed" : agent.health.reason)
        case .resetGPU:
            let gpu = command.parameters["gpu"].flatMap(Int.init)
            let cleared = random.chance(world.resetSuccess)
            if cleared { agent.health.repaired(gpuIndex: gpu) }
            acknowledge(command, after: world.resetTime.timeInterval, success: cleared, message: cleared ? "reset; boot checks passed" : "the fault is still there after the reset")
        case .reboot:
            // Acknowledged before the machine goes down, as the agent does.
            acknowledge(command, after: 1, success: true, message: "rebooting")
            queue.schedule(.goesDown(nodeID: command.nodeID), at: now + 1)
            queue.schedule(.bootedAgain(nodeID: command.nodeID, repaired: random.chance(world.rebootSuccess)), at: now + 1 + world.rebootTime.timeInterval)
        }
    }

    mutating func acknowledge(_ command: NodeCommand, after seconds: Double, success: Bool, message: String) {
        queue.schedule(.acknowledge(nodeID: command.nodeID, commandID: command.id, success: success, message: message), at: now + seconds)
    }

    // MARK: - Scenario events

    mutating func perform(_ event: Scenario.Event, index: Int) throws {
        switch event.action {
        case .startFleet:
            for machine in scenario.fleet where !(agents[machine.id]?.running ?? false) { try start(machine.id) }
        case .stopFleet:
            for machine in scenario.fleet where agents[machine.id]?.running == true {
                agents[machine.id]?.running = false
                try goSilent(machine.id)
            }
        case .injectFailure:
            try inject(event)
        case .recoverFailure:
            let type = event.params["failure_type"].flatMap(Scenario.FailureType.init) ?? .xidError
            for nodeID in targets(event) {
                guard var agent = agents[nodeID] else { continue }
                let wasSilent = agent.silent
                let observations = agent.recover(type, gpu: Int(event.params["gpu_index"] ?? "") ?? 0, at: date)
                agents[nodeID] = agent
                if wasSilent && !agent.silent && agent.running {
                    try heartbeatUntilTheEnd(nodeID)
                    for command in try brain.commandsToResend(to: nodeID) { deliver(command) }
                }
                try report(nodeID, observations)
            }
        case .issueCommand:
            let command = event.params["command_type"] ?? event.params["command"] ?? ""
            let reason = event.params["reason"] ?? "scenario"
            for nodeID in targets(event) {
                switch command {
                case "cordon": try input { _ = try $0.cordon(nodeID: nodeID, reason: reason, actor: "scenario") }
                case "uncordon": try input { _ = try $0.uncordon(nodeID: nodeID, reason: reason, actor: "scenario") }
                case "drain": try input { _ = try $0.drain(nodeID: nodeID, reason: reason, actor: "scenario") }
                case "run_diagnostic": try input { _ = try $0.runDiagnostic(nodeID: nodeID, suite: "dcgm", level: 1) }
                default:
                    // No pool to replace it from: the machine is turned off and falls silent.
                    agents[nodeID]?.running = false
                    try goSilent(nodeID)
                }
            }
            log("\(command) \(event.target)")
        case .waitForStatus:
            let timeout = event.params["timeout"].flatMap(DurationParser.parse)?.timeInterval ?? 30
            try waitForStatus(event, index: index, deadline: now + timeout)
        case .wait:
            break
        case .log:
            log(event.params["log_message"] ?? event.params["message"] ?? "")
        case .assert:
            let assertion = Scenario.Assertion(
                kind: Scenario.Assertion.Kind(rawValue: event.params["type"] ?? "") ?? .nodeStatus, target: event.target,
                expected: event.params["expected"] ?? "", line: event.line)
            let result = check(assertion)
            report.assertions.append(result)
            log("assert \(result.type) \(result.target) \(result.expected): \(result.passed ? "passed" : "failed, got \(result.actual)")")
        }
    }

    mutating func inject(_ event: Scenario.Event) throws {
        let type = event.params["failure_type"].flatMap(Scenario.FailureType.init) ?? .xidError
        let xid = event.params["xid_code"].flatMap(Int.init)
        let message = event.params["message"] ?? ""
        for nodeID in targets(event) {
            guard var agent = agents[nodeID] else { continue }
            let gpu = event.params["gpu_index"].flatMap(Int.init) ?? random.index(max(agent.machine.gpuCount, 1))
            let wasSilent = agent.silent
            let observations = agent.fail(type, xid: xid, gpu: gpu, message: message, at: date)
            agents[nodeID] = agent
            if agent.silent && !wasSilent && agent.running { try goSilent(nodeID) }
            try report(nodeID, observations)
        }
    }

    mutating func waitForStatus(_ event: Scenario.Event, index: Int, deadline: Double) throws {
        let expected = event.params["expected_status"] ?? ""
        let reading = status(of: event.target, expected: expected)
        if reading.matches {
            log("\(event.target) is \(expected)")
        } else if now >= deadline {
            log("\(event.target) did not become \(expected) in time: it is \(reading.actual)")
        } else {
            queue.schedule(.waitAgain(index, deadline), at: min(now + 1, deadline))
        }
    }

    func targets(_ event: Scenario.Event) -> [String] {
        event.target.isEmpty ? scenario.fleet.map(\.id) : [event.target]
    }

    mutating func log(_ message: String) {
        report.log.append(SimulationReport.LogLine(at: now, message: message))
    }

    // MARK: - Assertions

    /// How a node reads against a status of the reference project's or one of Navarch's.
    func status(of nodeID: String, expected: String) -> (matches: Bool, actual: String, note: String) {
        guard let node = brain.state.nodes[nodeID] else { return (expected == "terminated", "not registered", "") }
        let actual = "\(node.state.rawValue), \(node.health.rawValue)"
        switch expected {
        case "unhealthy":
            return (node.health == .unhealthy, actual, "the reference's unhealthy node is a Navarch node whose health is unhealthy; it is taken out of service (cordoned, repaired or replaced) rather than left in place")
        case "active":
            return (node.state == .active, actual, "")
        default:
            return (node.state.rawValue == expected, actual, "")
        }
    }

    func check(_ assertion: Scenario.Assertion) -> SimulationReport.AssertionResult {
        var result = SimulationReport.AssertionResult(
            type: assertion.kind.rawValue, target: assertion.target, expected: assertion.expected, actual: "", passed: false, note: "",
            line: assertion.line)
        switch assertion.kind {
        case .nodeStatus:
            let reading = status(of: assertion.target, expected: assertion.expected)
            (result.passed, result.actual, result.note) = reading
        case .healthStatus:
            let node = brain.state.nodes[assertion.target]
            result.actual = node?.health.rawValue ?? "not registered"
            result.passed = node?.health.rawValue == assertion.expected
            if !result.passed && assertion.expected == "healthy" && node?.health == .unhealthy {
                result.note = "Navarch keeps a fatal verdict until the GPU is repaired or replaced; the reference clears it once the event leaves its window"
            }
        case .nodeCount:
            let live = brain.listNodes(pool: nil).filter { $0.state != .terminated }
            let counted = assertion.target.isEmpty ? live : live.filter { status(of: $0.id, expected: assertion.target).matches }
            result.actual = "\(counted.count)"
            result.passed = Int(assertion.expected) == counted.count
        }
        return result
    }
}
