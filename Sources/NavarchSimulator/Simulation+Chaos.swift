import Foundation
import NavarchCore

/// A stress run's chaos: failures arriving as a Poisson process over the running fleet, some
/// cascading to neighbours in the same rack, zone, region or provider, some recovering on their
/// own, and scheduled outages that take a whole scope down and bring it back.
extension Simulation {
    mutating func scheduleChaos(_ stress: Scenario.Stress) {
        let chaos = stress.chaos
        if chaos.enabled && chaos.failureRate > 0 { queue.schedule(.chaos, at: nextChaosDelay(chaos)) }
        for (index, outage) in chaos.outages.enumerated() {
            queue.schedule(.outageStarts(index), at: outage.start.timeInterval)
            queue.schedule(.outageEnds(index), at: outage.start.timeInterval + outage.duration.timeInterval)
        }
    }

    /// The fleet the failure rate is counted against: the machines the scenario means to run.
    var nominalFleet: Int { max(nominalNodes, 1) }

    mutating func nextChaosDelay(_ chaos: Scenario.Chaos) -> Double {
        let perSecond = chaos.failureRate * Double(nominalFleet) / 1000 / 60
        return chaosRandom.exponential(mean: 1 / perSecond)
    }

    /// One failure, on a running node drawn at random; a smaller fleet than meant fails less
    /// often (a failure is kept with the share of the fleet that runs).
    mutating func chaosFailure() throws {
        guard let chaos = scenario.stress?.chaos else { return }
        queue.schedule(.chaos, at: now + nextChaosDelay(chaos))
        guard !running.isEmpty, chaosRandom.unit() < Double(running.count) / Double(nominalFleet) else { return }
        let nodeID = running[chaosRandom.index(running.count)]
        try chaosFail(nodeID, chaos)
        if chaos.cascading.enabled && chaosRandom.chance(chaos.cascading.probability) {
            let root = cascades
            cascades += 1
            cascadeReach[root] = 1
            queue.schedule(.cascade(root: root, from: nodeID, depth: 1), at: now + cascadeDelay(chaos.cascading))
        }
    }

    /// A failure drawn from the chaos section's types and XID codes; it may recover on its own.
    mutating func chaosFail(_ nodeID: String, _ chaos: Scenario.Chaos) throws {
        guard let agent = agents[nodeID] else { return }
        let type = chaosRandom.pick(chaos.failureTypes.map { ($0.type, $0.weight) }) ?? .xidError
        var xid: Int?
        if type == .xidError { xid = chaosRandom.pick(chaos.xidDistribution.map { ($0.code, $0.weight) }) ?? 79 }
        let gpu = chaosRandom.index(max(agent.machine.gpuCount, 1))
        try fail(nodeID, type: type, xid: xid, gpu: gpu, message: "")
        if chaos.recovery.enabled && chaosRandom.chance(chaos.recovery.probability) {
            let after = chaosRandom.normal(mean: chaos.recovery.meanTime.timeInterval, standardDeviation: chaos.recovery.standardDeviation.timeInterval)
            queue.schedule(.recover(nodeID: nodeID, type: type, gpu: gpu), at: now + after)
        }
    }

    mutating func cascadeDelay(_ cascading: Scenario.Cascading) -> Double {
        chaosRandom.uniform(cascading.minDelay.timeInterval, max(cascading.maxDelay.timeInterval, cascading.minDelay.timeInterval))
    }

    /// A cascade reaches a neighbour of `from` in its scope, up to its depth and its cap on the
    /// share of the scope it may take.
    mutating func cascade(root: Int, from: String, depth: Int) throws {
        guard let chaos = scenario.stress?.chaos, let source = agents[from] else { return }
        let cascading = chaos.cascading
        let members = scopeMembers[Self.scopeKey(cascading.scope, of: source), default: IndexedSet()]
        let cap = max(1, Int(cascading.maxAffectedPercent * Double(members.count)))
        guard members.count > 1, cascadeReach[root, default: 0] < cap else { return }
        // A few draws for a running neighbour; a scope that has none stops the cascade.
        var victim: String?
        for _ in 0..<8 {
            let candidate = members[chaosRandom.index(members.count)]
            if candidate != from && running.contains(candidate) { victim = candidate; break }
        }
        guard let victim else { return }
        cascadeReach[root, default: 0] += 1
        try chaosFail(victim, chaos)
        if depth < cascading.maxDepth && chaosRandom.chance(cascading.probability) {
            queue.schedule(.cascade(root: root, from: victim, depth: depth + 1), at: now + cascadeDelay(cascading))
        }
    }

    // MARK: - Scopes and outages

    static func scopeKey(_ scope: Scenario.Scope, of agent: SimulatedAgent) -> String {
        let machine = agent.machine
        switch scope {
        case .rack: return "rack:\(machine.labels["rack"] ?? machine.zone)"
        case .zone: return "zone:\(machine.zone)"
        case .region: return "region:\(machine.region.isEmpty ? region(ofZone: machine.zone) : machine.region)"
        case .provider: return "provider:\(machine.provider)"
        }
    }

    /// A new machine joins its rack, zone, region and provider.
    mutating func join(_ nodeID: String) {
        guard let agent = agents[nodeID] else { return }
        for scope in Scenario.Scope.allCases { scopeMembers[Self.scopeKey(scope, of: agent), default: IndexedSet()].insert(nodeID) }
    }

    /// A machine gone from its provider leaves its scopes: cascades and outages reach only machines that exist.
    mutating func leave(_ nodeID: String) {
        guard let agent = agents[nodeID] else { return }
        for scope in Scenario.Scope.allCases { scopeMembers[Self.scopeKey(scope, of: agent)]?.remove(nodeID) }
    }

    func providerDown(_ name: String) -> Bool {
        outagesDown.values.contains("provider:\(name)")
    }

    /// Whether an outage has taken out `zone` (itself or its region).
    func zoneIsDown(_ zone: String) -> Bool {
        outagesDown.values.contains("zone:\(zone)") || outagesDown.values.contains("region:\(Self.region(ofZone: zone))")
    }

    func outageKey(_ outage: Scenario.Outage) -> String { "\(outage.scope.rawValue):\(outage.target)" }

    mutating func outageStarts(_ index: Int) throws {
        guard let outage = scenario.stress?.chaos.outages[index] else { return }
        let key = outageKey(outage)
        outagesDown[index] = key
        log("outage \(outage.name.isEmpty ? key : outage.name) begins: \(outage.failureType.rawValue) across \(key)")
        let victims = scopeMembers[key, default: IndexedSet()].members.filter { running.contains($0) }
        outageVictims[index] = victims
        for nodeID in victims {
            let gpu = chaosRandom.index(max(agents[nodeID]?.machine.gpuCount ?? 1, 1))
            try fail(nodeID, type: outage.failureType, xid: nil, gpu: gpu, message: "outage \(outage.name)")
        }
    }

    mutating func outageEnds(_ index: Int) throws {
        guard let outage = scenario.stress?.chaos.outages[index] else { return }
        outagesDown[index] = nil
        log("outage \(outage.name.isEmpty ? outageKey(outage) : outage.name) ends")
        for nodeID in outageVictims.removeValue(forKey: index) ?? [] { try recover(nodeID, type: outage.failureType, gpu: 0) }
    }

    /// A machine that comes up inside an outage is down with it.
    mutating func applyOutages(to nodeID: String) throws {
        guard let agent = agents[nodeID] else { return }
        for (index, key) in outagesDown.sorted(by: { $0.key < $1.key }) where Scenario.Scope.allCases.contains(where: { Self.scopeKey($0, of: agent) == key }) {
            guard let outage = scenario.stress?.chaos.outages[index] else { continue }
            outageVictims[index, default: []].append(nodeID)
            try fail(nodeID, type: outage.failureType, xid: nil, gpu: 0, message: "outage \(outage.name)")
        }
    }
}
