import NavarchCore

/// A simulated cloud: zones that hold so many machines, calls that fail now and then, and the
/// machines it runs for Navarch, with what each costs. Provisions are idempotent by Navarch's
/// instance id, as the real providers' are.
struct SimulatedProvider: Sendable {
    struct Machine: Sendable {
        var zone: String
        var spot: Bool
        var gpus: Int
        var hourlyUSD: Double
        var providerInstanceID: String
    }

    let name: String
    let region: String
    let zones: [String]
    /// Machines a zone holds; 0 for no limit.
    let capacityPerZone: Int
    let apiErrorRate: Double
    let bootTime: Double
    let spotPreemptionsPerDay: Double
    private(set) var machines: [String: Machine] = [:]
    private var used: [String: Int] = [:]
    private var serial = 0
    var calls = ProviderCalls()

    init(name: String, spec: Scenario.ProviderSpec?, world: Scenario.World) {
        self.name = name
        region = spec?.region ?? ""
        zones = spec?.zones ?? []
        capacityPerZone = spec?.capacityPerZone ?? world.capacityPerZone
        apiErrorRate = spec?.apiErrorRate ?? world.apiErrorRate
        bootTime = (spec?.bootTime ?? world.bootTime).timeInterval
        spotPreemptionsPerDay = spec?.spotPreemptionsPerDay ?? world.spotPreemptionsPerDay
    }

    /// Answers a provision: the machine (an existing one for an id asked before), or why not.
    /// `down` are zones an outage has taken out.
    mutating func provision(_ request: ProvisionRequest, down: Set<String>, random: inout SeededRandom) -> Result<(ProvisionedInstance, Machine), SimulatedProviderError> {
        calls.provisions += 1
        if let failure = apiFailure(&random) { return .failure(failure) }
        if let machine = machines[request.instanceID] { return .success((provisioned(request, machine), machine)) }
        let candidates = request.zones.isEmpty ? (zones.isEmpty ? [""] : zones) : request.zones
        // The least used zone with room, in the order given.
        let open = candidates.filter { !down.contains($0) && (capacityPerZone == 0 || used[$0, default: 0] < capacityPerZone) }
        guard let zone = open.min(by: { used[$0, default: 0] < used[$1, default: 0] }) else {
            calls.capacityErrors += 1
            let detail = candidates.map { down.contains($0) ? "\($0) is down" : "\($0) is full (\(capacityPerZone) machines)" }.joined(separator: ", ")
            return .failure(SimulatedProviderError(kind: .capacity, provider: name, detail: detail))
        }
        serial += 1
        used[zone, default: 0] += 1
        let machine = Machine(
            zone: zone, spot: request.spot, gpus: request.instanceType.gpusPerNode,
            hourlyUSD: CatalogMatch.hourlyPrice(provider: name, type: request.instanceType, spot: request.spot),
            providerInstanceID: "\(name)-\(serial)")
        machines[request.instanceID] = machine
        return .success((provisioned(request, machine), machine))
    }

    /// Answers a termination; a machine already gone (preempted) terminates at once.
    mutating func terminate(instanceID: String, random: inout SeededRandom) -> (error: SimulatedProviderError?, removed: Machine?) {
        calls.terminations += 1
        if let failure = apiFailure(&random) { return (failure, nil) }
        return (nil, remove(instanceID))
    }

    /// The provider takes a spot machine back.
    mutating func preempt(instanceID: String) -> Machine? {
        guard let machine = remove(instanceID) else { return nil }
        calls.preemptions += 1
        return machine
    }

    /// The machine is gone for a reason of its own (turned off under the fleet).
    mutating func lose(instanceID: String) -> Machine? { remove(instanceID) }

    private mutating func remove(_ instanceID: String) -> Machine? {
        guard let machine = machines.removeValue(forKey: instanceID) else { return nil }
        used[machine.zone, default: 1] -= 1
        return machine
    }

    private mutating func apiFailure(_ random: inout SeededRandom) -> SimulatedProviderError? {
        guard random.chance(apiErrorRate) else { return nil }
        // Throttling and server errors, as often as each other.
        if random.chance(0.5) {
            calls.throttled += 1
            return SimulatedProviderError(kind: .throttled, provider: name, detail: "")
        }
        calls.serverErrors += 1
        return SimulatedProviderError(kind: .serverError, provider: name, detail: "")
    }

    private func provisioned(_ request: ProvisionRequest, _ machine: Machine) -> ProvisionedInstance {
        ProvisionedInstance(instanceID: request.instanceID, providerInstanceID: machine.providerInstanceID, nodeID: request.nodeID, pool: request.pool, zone: machine.zone)
    }
}
