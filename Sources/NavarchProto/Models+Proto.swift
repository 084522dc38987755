import Foundation
import NavarchCore

extension Navarch_V1_GPU {
    public init(_ gpu: GPU) {
        self.init()
        index = Int32(gpu.index)
        uuid = gpu.uuid
        model = gpu.model
        pciBusID = gpu.pciBusID
        memoryTotalMib = Int64(gpu.memoryTotalMiB)
        temperatureCelsius = gpu.temperatureCelsius
        powerWatts = gpu.powerWatts
        health = .init(gpu.health)
        healthReason = gpu.healthReason
        serial = gpu.serial
        metrics = gpu.metrics
    }

    public var domain: GPU {
        GPU(
            index: Int(index), uuid: uuid, model: model, pciBusID: pciBusID, memoryTotalMiB: Int(memoryTotalMib),
            temperatureCelsius: temperatureCelsius, powerWatts: powerWatts, health: health.domain ?? .unknown,
            healthReason: healthReason, serial: serial, metrics: metrics)
    }
}

extension Navarch_V1_Node {
    /// The node, with each GPU's figures (`gpuDetail`) or only its index, UUID, model and health.
    public init(_ node: Node, gpuDetail: Bool) {
        self.init(gpuDetail ? node : node.withoutGPUDetail)
    }

    public init(_ node: Node) {
        self.init()
        id = node.id
        pool = node.pool
        instanceID = node.instanceID
        provider = node.provider
        state = .init(node.state)
        health = .init(node.health)
        healthReason = node.healthReason
        cordonReason = node.cordonReason
        gpus = node.gpus.map(Navarch_V1_GPU.init)
        hostname = node.hostname
        agentVersion = node.agentVersion
        registeredAtUnixMs = Timestamp.unixMilliseconds(node.registeredAt)
        lastHeartbeatUnixMs = node.lastHeartbeat.map(Timestamp.unixMilliseconds) ?? 0
        labels = node.labels
    }

    public var domain: Node {
        Node(
            id: id, pool: pool, instanceID: instanceID, provider: provider, state: state.domain ?? .active,
            health: health.domain ?? .unknown, healthReason: healthReason, cordonReason: cordonReason,
            gpus: gpus.map(\.domain), hostname: hostname, agentVersion: agentVersion,
            registeredAt: Timestamp.date(unixMilliseconds: registeredAtUnixMs),
            lastHeartbeat: lastHeartbeatUnixMs == 0 ? nil : Timestamp.date(unixMilliseconds: lastHeartbeatUnixMs),
            labels: labels)
    }
}

extension Navarch_V1_Instance {
    public init(_ instance: Instance) {
        self.init()
        id = instance.id
        pool = instance.pool
        provider = instance.provider
        providerInstanceID = instance.providerInstanceID
        state = .init(instance.state)
        nodeID = instance.nodeID
        instanceType = instance.instanceType
        createdAtUnixMs = Timestamp.unixMilliseconds(instance.createdAt)
        updatedAtUnixMs = Timestamp.unixMilliseconds(instance.updatedAt)
        failureReason = instance.failureReason
        replacesInstanceID = instance.replacesInstanceID
        condemned = instance.condemned
        condemnedReason = instance.condemnedReason
    }

    public var domain: Instance {
        Instance(
            id: id, pool: pool, provider: provider, providerInstanceID: providerInstanceID,
            state: state.domain ?? .requested, nodeID: nodeID, instanceType: instanceType,
            createdAt: Timestamp.date(unixMilliseconds: createdAtUnixMs),
            updatedAt: Timestamp.date(unixMilliseconds: updatedAtUnixMs), failureReason: failureReason,
            replacesInstanceID: replacesInstanceID, condemned: condemned, condemnedReason: condemnedReason)
    }
}

extension Navarch_V1_Pool {
    public init(_ pool: Pool) {
        self.init()
        name = pool.name
        provider = pool.provider
        gpuType = pool.gpuType
        gpusPerNode = Int32(pool.gpusPerNode)
        desiredNodes = Int32(pool.desiredNodes)
        createdAtUnixMs = Timestamp.unixMilliseconds(pool.createdAt)
        deleting = pool.deleting
        spot = pool.options.spot
        spotFallback = pool.options.spotFallback.rawValue
        placement = pool.options.placement.rawValue
        minNodes = Int32(pool.minNodes)
        maxNodes = Int32(pool.maxNodes)
        autoscaler = pool.autoscaling?.autoscaler.summary ?? ""
        queueDepth = Int32(pool.queueDepth)
        labels = pool.labels
    }

    public var domain: Pool {
        var pool = Pool(
            name: name, provider: provider, gpuType: gpuType, gpusPerNode: Int(gpusPerNode),
            desiredNodes: Int(desiredNodes), createdAt: Timestamp.date(unixMilliseconds: createdAtUnixMs),
            deleting: deleting,
            options: PoolOptions(
                spot: spot, spotFallback: PoolOptions.SpotFallback(rawValue: spotFallback) ?? .none,
                placement: PoolOptions.Placement(rawValue: placement) ?? .none),
            minNodes: Int(minNodes), maxNodes: Int(maxNodes), labels: labels)
        pool.queueDepth = Int(queueDepth)
        pool.autoscalerSummary = autoscaler
        return pool
    }
}

extension Navarch_V1_PoolCounts {
    public init(_ counts: PoolCounts) {
        self.init()
        nodes = Int32(clamping: counts.nodes)
        readyNodes = Int32(clamping: counts.readyNodes)
        readyGpus = Int32(clamping: counts.readyGPUs)
    }

    public var domain: PoolCounts { PoolCounts(nodes: Int(nodes), readyNodes: Int(readyNodes), readyGPUs: Int(readyGpus)) }
}

extension Navarch_V1_Breaker {
    public init(_ breaker: CircuitBreaker) {
        self.init()
        scope = breaker.scope
        if case .open(let since, let reason) = breaker.state {
            open = true
            self.reason = reason
            sinceUnixMs = Timestamp.unixMilliseconds(since)
        }
    }
}

extension Navarch_V1_Event {
    public init(_ event: FleetEvent) {
        self.init()
        sequence = event.sequence
        timeUnixMs = Timestamp.unixMilliseconds(event.time)
        kind = event.kind
        nodeID = event.nodeID
        instanceID = event.instanceID
        pool = event.pool
        message = event.message
        attributes = event.attributes
    }

    public var domain: FleetEvent {
        FleetEvent(
            sequence: sequence, time: Timestamp.date(unixMilliseconds: timeUnixMs), kind: kind, nodeID: nodeID,
            instanceID: instanceID, pool: pool, message: message, attributes: attributes)
    }
}

extension Navarch_V1_HealthObservation {
    public init(_ observation: HealthObservation) {
        self.init()
        kind = observation.kind
        code = Int32(clamping: observation.code)
        pciAddress = observation.pciAddress
        gpuIndex = Int32(observation.gpuIndex ?? -1)
        verdict = .init(observation.verdict)
        message = observation.message
        timeUnixMs = Timestamp.unixMilliseconds(observation.time)
        count = Int32(clamping: observation.count)
        action = observation.action.rawValue
        rule = observation.rule
    }

    public var domain: HealthObservation {
        HealthObservation(
            kind: kind, code: Int(code), pciAddress: pciAddress, gpuIndex: gpuIndex < 0 ? nil : Int(gpuIndex),
            verdict: verdict.domain ?? .unknown, message: message,
            time: Timestamp.date(unixMilliseconds: timeUnixMs), count: max(1, Int(count)),
            action: HealthAction(rawValue: action) ?? .none, rule: rule)
    }
}

extension Navarch_V1_NodeCommand {
    public init(_ command: NodeCommand) {
        self.init()
        id = command.id
        nodeID = command.nodeID
        kind = .init(command.kind)
        reason = command.reason
        issuedAtUnixMs = Timestamp.unixMilliseconds(command.issuedAt)
        parameters = command.parameters
    }
}
