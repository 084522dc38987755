import Foundation
import NavarchCore

/// The simulated node agents: they register, hold their heartbeat lease, report what their GPUs
/// show and answer commands after the time each takes.
extension Simulation {
    /// The agent on `nodeID` registers, heartbeats until the end and takes its pending commands.
    mutating func start(_ nodeID: String) throws {
        guard var agent = agents[nodeID], brain.state.nodes[nodeID]?.state != .terminated else { return }
        agent.running = true
        agents[nodeID] = agent
        running.insert(nodeID)
        if agent.instanceID.isEmpty && fixedMachines[nodeID] == nil {
            // A fixed machine is paid for from its first start.
            let type = CatalogMatch.instanceType(for: agent.machine.gpuType.isEmpty ? agent.machine.instanceType : agent.machine.gpuType)
            let hourly = type.map { CatalogMatch.hourlyPrice(provider: agent.machine.provider, type: $0, spot: false) * Double(agent.machine.gpuCount) / Double($0.gpusPerNode) } ?? 0
            fixedMachines[nodeID] = (agent.machine.provider, agent.machine.gpuCount, hourly)
            metrics.machineStarted(provider: agent.machine.provider, gpus: agent.machine.gpuCount, hourlyUSD: hourly, at: now)
        }
        let registration = agent.registration
        do {
            try input { _ = try $0.register(registration) }
        } catch let refusal as NavarchError {
            // Refused (its instance was given up on): the agent keeps trying, unheard.
            agents[nodeID]?.running = false
            running.remove(nodeID)
            refused(refusal)
            return
        }
        if agent.reachable {
            try heartbeatUntilTheEnd(nodeID)
            for command in try brain.commandsToResend(to: nodeID) { deliver(command) }
        }
        observe(nodeID)
    }

    /// The machine stops (turned off, rebooting, taken back): it is no longer heard from.
    mutating func stop(_ nodeID: String) throws {
        guard let agent = agents[nodeID], agent.running else { return }
        agents[nodeID]?.running = false
        running.remove(nodeID)
        if agent.reachable { try goSilent(nodeID) }
        observe(nodeID)
    }

    /// A fixed machine turned off for good stops being paid for.
    mutating func turnOff(_ nodeID: String) throws {
        try stop(nodeID)
        if let paid = fixedMachines.removeValue(forKey: nodeID) {
            metrics.machineStopped(provider: paid.provider, gpus: paid.gpus, hourlyUSD: paid.hourlyUSD, at: now)
        }
    }

    func machineExists(_ agent: SimulatedAgent) -> Bool {
        agent.instanceID.isEmpty || providers[agent.machine.provider]?.machines[agent.instanceID] != nil
    }

    mutating func heartbeatUntilTheEnd(_ nodeID: String) throws {
        guard let agent = agents[nodeID] else { return }
        let until = Self.epoch.addingTimeInterval(end)
        try input { try $0.heartbeat(nodeID: nodeID, gpus: agent.health.gpus, heardUntil: until) }
    }

    /// The node stops being heard from now: its lease closes with a last heartbeat.
    mutating func goSilent(_ nodeID: String) throws {
        guard let agent = agents[nodeID], brain.state.nodes[nodeID].map({ $0.state != .terminated }) ?? false else { return }
        try input { try $0.heartbeat(nodeID: nodeID, gpus: agent.health.gpus) }
    }

    mutating func report(_ nodeID: String, _ observations: [HealthObservation]) throws {
        guard let agent = agents[nodeID], agent.reachable, !observations.isEmpty, brain.state.nodes[nodeID] != nil else { return }
        try input {
            try $0.reportHealth(nodeID: nodeID, health: agent.health.health, reason: agent.health.reason, observations: observations, gpus: agent.health.gpus)
        }
    }

    /// Looks at a node again for the figures: its GPUs count as healthy while the brain has it
    /// in service and the machine really works.
    mutating func observe(_ nodeID: String) {
        let node = brain.state.nodes[nodeID]
        let agent = agents[nodeID]
        let inService = node.map { $0.state == .active && $0.health != .unhealthy } ?? false
        let works = inService && agent.map { $0.reachable && $0.health.health != .unhealthy } ?? false
        if let node, node.state != .terminated, !inService || agent?.reachable != true {
            outOfService.insert(nodeID)
        } else {
            outOfService.remove(nodeID)
        }
        let gpus = works ? agent?.machine.gpuCount ?? 0 : 0
        var replaced: String?
        if gpus > 0, let node, let instance = brain.state.instances[node.instanceID], !instance.replacesInstanceID.isEmpty {
            replaced = brain.state.instances[instance.replacesInstanceID]?.nodeID
        }
        metrics.observe(nodeID, gpusServing: gpus, inService: inService || node == nil, replacing: replaced, at: now)
    }

    /// A command reaches the agent (when it is connected) and is answered after the time it takes.
    mutating func deliver(_ command: NodeCommand) {
        guard var agent = agents[command.nodeID], agent.reachable else { return }
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

    /// Counts the fleet for a sample (``observe(_:)`` keeps the nodes out of service).
    mutating func sample() {
        metrics.sample(at: now, nodes: brain.state.liveNodeCount, outOfService: outOfService.count)
    }
}
