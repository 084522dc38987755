import Foundation
import NavarchCore

/// The reconciler's provider calls against the simulated providers: answered after a latency,
/// sometimes refused, and machines that boot, never come up, or are taken back.
extension Simulation {
    /// One reconcile pass: the calls it asks for go out, and the next pass is due when the
    /// brain says (a timeout, a back-off's end, a rate limit's next token), or a second later
    /// when the pass changed the fleet.
    mutating func reconcile() throws {
        let operations = try input { $0.reconcile() }
        let latency = scenario.world.providerLatency.timeInterval
        for operation in operations {
            switch operation {
            case .provision(let request, let provider):
                try input(reconciles: false) { try $0.provisionStarted(instanceID: request.instanceID) }
                queue.schedule(.provisionAnswered(request, provider: provider), at: now + latency)
            case .terminate(_, let provider, let instanceID):
                queue.schedule(.terminateAnswered(instanceID: instanceID, provider: provider), at: now + latency)
            }
        }
        if let next = brain.nextReconcile(at: date) { scheduleReconcile(at: max(next.timeIntervalSince(Self.epoch), now + 0.001)) }
    }

    mutating func provisionAnswered(_ request: ProvisionRequest, provider name: String) throws {
        guard let zonesOffered = providers[name]?.zones else {
            try input { try $0.provisionFinished(instanceID: request.instanceID, result: .failure(NavarchError.invalidArgument("provider \(name) is not simulated"))) }
            return
        }
        let zones = Set(zonesOffered + request.zones + [""])
        let down = providerDown(name) ? zones : zones.filter(zoneIsDown)
        // Mutated in place: a copy taken out of the dictionary would copy every machine.
        guard let outcome = providers[name]?.provision(request, down: down, random: &random), let provider = providers[name] else { return }
        switch outcome {
        case .success(let (machine, details)):
            let known = brain.state.instances[request.instanceID]?.providerInstanceID == machine.providerInstanceID
            try input { try $0.provisionFinished(instanceID: request.instanceID, result: .success(machine)) }
            guard !known else { return }
            metrics.machineStarted(provider: name, gpus: details.gpus, hourlyUSD: details.hourlyUSD, at: now)
            if random.chance(scenario.world.bootFailureRate) { return }
            queue.schedule(.machineBooted(instanceID: request.instanceID, provider: name), at: now + bootDelay(provider, pool: request.pool))
            if details.spot && provider.spotPreemptionsPerDay > 0 {
                queue.schedule(.preempted(instanceID: request.instanceID, provider: name), at: now + random.exponential(mean: 86_400 / provider.spotPreemptionsPerDay))
            }
        case .failure(let error):
            try input { try $0.provisionFinished(instanceID: request.instanceID, result: .failure(error)) }
        }
    }

    /// How long a new machine takes to boot and register: the provider's boot time, spread by
    /// the world's deviation. The stress generator's first machines come up within seconds of
    /// their place in the startup pattern, as the reference project's do.
    mutating func bootDelay(_ provider: SimulatedProvider, pool: String) -> Double {
        if let left = startingUp[pool], left > 0 {
            startingUp[pool] = left - 1
            return random.uniform(1, 5)
        }
        return random.normal(mean: provider.bootTime, standardDeviation: scenario.world.bootTimeDeviation.timeInterval)
    }

    /// When the machine at `share` (0 to 1) of the generated fleet is asked for under a startup
    /// pattern: all at once, evenly over the duration, growing exponentially (doubling), or in
    /// four waves.
    static func startupOffset(_ startup: Scenario.Startup, share: Double) -> Double {
        let duration = startup.duration.timeInterval
        guard duration > 0 else { return 0 }
        switch startup.pattern {
        case .instant: return 0
        case .linear: return duration * share
        case .exponential: return duration * log2(1 + share * 1023) / 10
        case .wave: return duration * (Double(Int(share * 4)) / 4)
        }
    }

    /// The generated pools grow as the startup pattern says: each starts with one node, and
    /// reaches its size by the pattern's end (per second, with the pattern's jitter).
    mutating func planStartup(_ generated: [Scenario.PoolSpec], _ startup: Scenario.Startup) -> [Scenario.PoolSpec] {
        guard startup.pattern != .instant, startup.duration.timeInterval > 0 else { return generated }
        var steps: [Int: [String: Int]] = [:]
        for pool in generated where pool.nodes > 1 {
            var seconds: [Int] = []
            for index in 1..<pool.nodes {
                let offset = Self.startupOffset(startup, share: Double(index) / Double(pool.nodes))
                let jitter = max(offset, 1) * random.uniform(-startup.jitterPercent, startup.jitterPercent) / 100
                seconds.append(Int(max(offset + jitter, 0).rounded(.up)))
            }
            for (count, second) in seconds.sorted().enumerated() { steps[second, default: [:]][pool.name] = count + 2 }
        }
        for (second, sizes) in steps {
            queue.schedule(.grow(sizes.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }), at: Double(second))
        }
        return generated.map { var pool = $0; pool.nodes = min(pool.nodes, 1); return pool }
    }

    mutating func terminateAnswered(instanceID: String, provider name: String) throws {
        var result: (error: SimulatedProviderError?, removed: SimulatedProvider.Machine?) = (nil, nil)
        if let answer = providers[name]?.terminate(instanceID: instanceID, random: &random) { result = answer }
        if let machine = result.removed { try machineGone(instanceID: instanceID, provider: name, machine: machine) }
        let error = result.error
        try input { try $0.terminateFinished(instanceID: instanceID, error: error) }
        if let nodeID = brain.state.instances[instanceID]?.nodeID, result.removed != nil { metrics.forget(nodeID, at: now) }
    }

    mutating func machineBooted(instanceID: String, provider name: String) throws {
        guard let provider = providers[name], let machine = provider.machines[instanceID], let instance = brain.state.instances[instanceID],
              instance.state != .terminated
        else { return }
        let type = (try? InstanceTypeCatalog.named(instance.instanceType)) ?? InstanceTypeCatalog.all[0]
        let region = provider.region.isEmpty ? Self.region(ofZone: machine.zone) : provider.region
        let rack = "\(machine.zone)/rack-\(machinesByZone[machine.zone, default: 0] / 16)"
        machinesByZone[machine.zone, default: 0] += 1
        let described = Scenario.Machine(
            id: instance.nodeID, provider: name, region: region, zone: machine.zone,
            instanceType: OfferingCatalog.builtin.machine(provider: name, for: type)?.machineType ?? type.name, gpuCount: machine.gpus,
            gpuType: type.gpuModel, labels: ["rack": rack])
        agents[instance.nodeID] = SimulatedAgent(machine: described, policy: options.healthPolicy, instanceID: instanceID, pool: instance.pool)
        join(instance.nodeID)
        try start(instance.nodeID)
        try applyOutages(to: instance.nodeID)
    }

    /// A spot machine is taken back.
    mutating func preempted(instanceID: String, provider: String) throws {
        try machineLost(instanceID: instanceID, provider: provider, preempted: true)
    }

    /// The provider no longer runs the machine: its agent stops, and the brain hears silence.
    mutating func machineLost(instanceID: String, provider name: String, preempted: Bool) throws {
        guard let machine = preempted ? providers[name]?.preempt(instanceID: instanceID) : providers[name]?.lose(instanceID: instanceID)
        else { return }
        if preempted, let nodeID = brain.state.instances[instanceID]?.nodeID { metrics.failed(nodeID, kind: "spot_preemption", at: now) }
        try machineGone(instanceID: instanceID, provider: name, machine: machine)
    }

    /// A machine stops existing at its provider: it is no longer paid for, and its agent stops.
    mutating func machineGone(instanceID: String, provider: String, machine: SimulatedProvider.Machine) throws {
        metrics.machineStopped(provider: provider, gpus: machine.gpus, hourlyUSD: machine.hourlyUSD, at: now)
        guard let nodeID = brain.state.instances[instanceID]?.nodeID, agents[nodeID] != nil else { return }
        try stop(nodeID)
        leave(nodeID)
    }

    /// `us-central1` of `us-central1-a`, `us-east-1` of `us-east-1a`.
    static func region(ofZone zone: String) -> String {
        if let dash = zone.lastIndex(of: "-"), zone[zone.index(after: dash)...].count == 1 { return String(zone[..<dash]) }
        if let last = zone.last, last.isLetter, zone.dropLast().last?.isNumber == true { return String(zone.dropLast()) }
        return zone
    }
}
