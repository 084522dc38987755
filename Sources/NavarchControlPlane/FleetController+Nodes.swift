import Foundation
import NavarchCore

/// What a node says when it registers.
struct Registration: Sendable {
    var nodeID: String
    var instanceID: String
    var pool: String
    var hostname: String
    var agentVersion: String
    var gpus: [GPU]
    var labels: [String: String]
    var health: HealthStatus
    var healthReason: String
    var joinToken = ""
}

extension FleetController {
    /// Registers a node (first time, or again after an agent or control-plane restart).
    func register(_ registration: Registration) async throws -> Node {
        guard !registration.nodeID.isEmpty else { throw NavarchError.invalidArgument("node_id is required") }
        let now = clock.now
        var instance = registration.instanceID.isEmpty ? nil : instances[registration.instanceID]
        if !registration.instanceID.isEmpty && instance == nil {
            throw NavarchError.notFound("instance \(registration.instanceID) is not known to this control plane")
        }
        if let known = instance {
            guard known.nodeID == registration.nodeID else {
                throw NavarchError.invalidArgument(
                    "instance \(known.id) belongs to node \(known.nodeID), not \(registration.nodeID)")
            }
            guard known.state.isLive else {
                throw NavarchError.failedPrecondition("instance \(known.id) is \(known.state.rawValue); it will not be registered")
            }
        }
        if let existing = nodes[registration.nodeID], existing.state == .terminated {
            throw NavarchError.failedPrecondition("node \(registration.nodeID) was terminated")
        }
        if let known = instance, nodes[registration.nodeID] == nil, let joinTokens,
           providers[known.provider]?.bootstrapsAgent == true {
            // A cloud machine's first registration: it must carry the token its user data got.
            do { try joinTokens.verify(registration.joinToken, instanceID: known.id, now: now) } catch {
                try await record("node.join_refused", error.message, node: registration.nodeID, instance: known.id, pool: known.pool)
                throw error
            }
        }

        let isNew = nodes[registration.nodeID] == nil
        var node = nodes[registration.nodeID] ?? Node(
            id: registration.nodeID, pool: instance?.pool ?? registration.pool, instanceID: registration.instanceID,
            provider: instance?.provider ?? "", registeredAt: now)
        node.gpus = registration.gpus
        node.hostname = registration.hostname
        node.agentVersion = registration.agentVersion
        // The pool's labels, under what the agent reports of itself.
        node.labels = (pools[node.pool]?.labels ?? [:]).merging(registration.labels) { _, reported in reported }
        node.lastHeartbeat = now
        let previousHealth = node.health
        node.health = registration.health
        node.healthReason = registration.healthReason
        try await save(node)
        state.heartbeats.watch(node.id, at: now)
        timersChanged.signal()
        try await record(
            isNew ? "node.registered" : "node.reregistered",
            "\(registration.gpus.count) GPU(s) \(registration.gpus.first?.model ?? ""), health \(registration.health.rawValue)",
            node: node.id, instance: node.instanceID, pool: node.pool,
            attributes: ["hostname": registration.hostname, "agentVersion": registration.agentVersion])

        if let current = instance {
            var state = current.state
            for event in [InstanceLifecycle.Event.startProvisioning, .provisioned, .register]
            where InstanceLifecycle.allows(event, in: state) && state != .running && state != .registered {
                instance = try await transition(instanceID: current.id, on: event, reason: event == .register ? "node \(node.id) registered" : "")
                state = instance?.state ?? state
            }
            try await noteInstanceRegistered(pool: current.pool)
        }
        let rebooted = try await rebootedNodeRegistered(node.id)
        if previousHealth != node.health || isNew {
            // After a repair's reboot, the registration is the validation, decided above.
            try await healthChanged(
                node: nodes[node.id] ?? node, from: isNew ? .unknown : previousHealth,
                result: HealthResult(status: node.health, reason: node.healthReason), remediate: !rebooted)
        }
        try await promoteIfReady(nodeID: node.id)
        wake()
        return nodes[node.id] ?? node
    }

    /// Records a heartbeat. Held in memory, written in batches.
    func heartbeat(nodeID: String, gpus: [GPU]) throws {
        guard !nodeID.isEmpty else { throw NavarchError.invalidArgument("node_id is required") }
        guard var node = nodes[nodeID] else { throw NavarchError.notFound("node \(nodeID) is not registered") }
        guard node.state != .terminated else { throw NavarchError.failedPrecondition("node \(nodeID) was terminated") }
        let now = clock.now
        state.heard(from: nodeID, at: now, gpus: gpus)
        unsavedHeartbeats[nodeID] = now
    }

    /// Applies a health report: observations become events, a change of verdict goes to the remediator.
    func reportHealth(nodeID: String, health: HealthStatus, reason: String, observations: [HealthObservation], gpus: [GPU]) async throws {
        guard !nodeID.isEmpty else { throw NavarchError.invalidArgument("node_id is required") }
        guard var node = nodes[nodeID] else { throw NavarchError.notFound("node \(nodeID) is not registered") }
        guard node.state != .terminated else { throw NavarchError.failedPrecondition("node \(nodeID) was terminated") }
        var evidence: [Int64] = []
        for observation in observations {
            let target = observation.gpuIndex.map { "GPU \($0)" } ?? "node"
            let count = observation.count > 1 ? " (x\(observation.count))" : ""
            let stored = try await record(
                "node.observation",
                "\(observation.kind.uppercased()) \(observation.code) on \(target)\(observation.pciAddress.isEmpty ? "" : " at \(observation.pciAddress)")\(count): \(observation.message)",
                node: node.id, instance: node.instanceID, pool: node.pool,
                attributes: [
                    "kind": observation.kind, "code": "\(observation.code)", "pciAddress": observation.pciAddress,
                    "gpuIndex": observation.gpuIndex.map(String.init) ?? "", "verdict": observation.verdict.rawValue,
                    "count": "\(observation.count)", "action": observation.action.rawValue, "rule": observation.rule,
                ])
            if stored.sequence > 0 && observation.verdict != .healthy { evidence.append(stored.sequence) }
        }
        // Recording suspended this actor: another call may have changed the node meanwhile
        // (a diagnostic returning it to service). Change the current node, not the copy read
        // before, or that change would be overwritten.
        guard var current = nodes[nodeID] else { return }
        let previous = current.health
        current.health = health
        current.healthReason = reason
        if !gpus.isEmpty { current.gpus = gpus }
        try await save(current)
        node = current
        if previous != health || RemediationPlanner.isUnattended(current, instance: instances[current.instanceID]) {
            try await healthChanged(node: node, from: previous, result: HealthResult(status: health, reason: reason, observations: observations), evidence: evidence)
        }
        try await promoteIfReady(nodeID: nodeID)
    }

    /// Records the change, counts it for the circuit breakers and runs the remediator.
    func healthChanged(
        node: Node, from previous: HealthStatus, result: HealthResult, evidence: [Int64] = [], silent: Bool = false, remediate: Bool = true
    ) async throws {
        if previous != result.status {
            try await record(
                "node.health_changed",
                "\(previous.rawValue) -> \(result.status.rawValue)\(result.reason.isEmpty ? "" : ": \(result.reason)")",
                node: node.id, instance: node.instanceID, pool: node.pool,
                attributes: ["from": previous.rawValue, "to": result.status.rawValue])
            if result.status == .unhealthy { try await noteTurnedUnhealthy(node) }
        }
        if remediate { try await self.remediate(nodeID: node.id, result: result, evidence: evidence, silent: silent) }
    }

    /// Asks the remediator what to do and does it through the ladder.
    func remediate(nodeID: String, result: HealthResult, evidence: [Int64], silent: Bool) async throws {
        guard let node = nodes[nodeID] else { return }
        let action: RemediationAction
        do { action = try remediator.remediate(node, result: result) } catch {
            logger.error("remediator failed", metadata: ["node": "\(node.id)", "error": "\(error)"])
            return
        }
        let cause = NodeRemediation.Cause(result: result, requested: action.ladderRung ?? .alert, evidence: evidence, silent: silent)
        try await execute(action, on: node.id, cause: cause)
    }

    /// An instance whose node registered and is healthy is running.
    func promoteIfReady(nodeID: String) async throws {
        guard let node = nodes[nodeID], node.health == .healthy, let instance = instances[node.instanceID],
              instance.state == .registered
        else { return }
        try await transition(instanceID: instance.id, on: .becomeReady, reason: "node \(node.id) is healthy")
        wake()
    }

    /// Marks nodes that stopped heartbeating unhealthy. All the nodes found silent in one check
    /// are counted by the circuit breakers before any of them is remediated, so that an outage
    /// opens the breakers first.
    func checkHeartbeats() async {
        let now = clock.now
        var silent: [(String, HealthResult)] = []
        for nodeID in state.heartbeats.expired(at: now) {
            guard var node = nodes[nodeID], node.state != .terminated else {
                state.heartbeats.forget(nodeID)
                continue
            }
            if let instance = instances[node.instanceID], !instance.state.isLive { continue }
            let silence = Int(now.timeIntervalSince(state.heartbeats.lastHeartbeat(of: nodeID) ?? now))
            let reason = "no heartbeat for \(silence) s"
            let result = HealthResult(status: .unhealthy, reason: reason)
            do {
                try await record("node.heartbeat_missed", reason, node: node.id, instance: node.instanceID, pool: node.pool)
                // Recording suspended this actor: start again from the node as it is now.
                guard let current = nodes[nodeID], current.state != .terminated else { continue }
                node = current
                let previous = node.health
                node.health = .unhealthy
                node.healthReason = reason
                try await save(node)
                try await healthChanged(node: node, from: previous, result: result, silent: true, remediate: false)
                silent.append((nodeID, result))
            } catch {
                // Looked at again at the next check: the node is still silent then.
                logger.error("cannot mark silent node unhealthy", metadata: ["node": "\(nodeID)", "error": "\(error)"])
                state.heartbeats.rearm(nodeID, at: now.addingTimeInterval(1))
            }
        }
        if !silent.isEmpty {
            do { try await checkSilentGroups() } catch {
                logger.error("cannot check silent zones and providers", metadata: ["error": "\(error)"])
            }
        }
        for (nodeID, result) in silent {
            do { try await remediate(nodeID: nodeID, result: result, evidence: [], silent: true) } catch {
                logger.error("cannot remediate silent node", metadata: ["node": "\(nodeID)", "error": "\(error)"])
            }
        }
        await processRemediations()
    }

    /// The node's pending commands, for a fresh `WatchCommands` stream.
    func pendingCommands(for nodeID: String) async throws -> [NodeCommand] {
        guard !nodeID.isEmpty else { throw NavarchError.invalidArgument("node_id is required") }
        guard nodes[nodeID] != nil else { throw NavarchError.notFound("node \(nodeID) is not registered") }
        return try await store.pendingCommands(for: nodeID)
    }

    func acknowledge(nodeID: String, commandID: String, success: Bool, message: String) async throws {
        guard !nodeID.isEmpty else { throw NavarchError.invalidArgument("node_id is required") }
        guard !commandID.isEmpty else { throw NavarchError.invalidArgument("command_id is required") }
        guard let node = nodes[nodeID] else { throw NavarchError.notFound("node \(nodeID) is not registered") }
        guard var command = try await store.pendingCommands(for: nodeID).first(where: { $0.id == commandID }) else {
            throw NavarchError.notFound("command \(commandID) is not pending for node \(nodeID)")
        }
        command.acknowledgedAt = clock.now
        try await inWriteOrder { try await store.saveCommand(command) }
        try await record(
            "command.\(success ? "done" : "failed")", "\(command.kind.rawValue)\(message.isEmpty ? "" : ": \(message)")",
            node: nodeID, instance: node.instanceID, pool: node.pool, attributes: ["command": command.kind.rawValue])
        // Three suspensions since the node was read: look at it as it is now.
        if command.kind == .drain && success && nodes[nodeID]?.state == .draining {
            try await transition(nodeID: nodeID, on: .drainCompleted, reason: "node reported drained")
            try await startPendingRepair(nodeID: nodeID)
            try await startPendingDiagnostic(nodeID: nodeID)
        }
        if command.kind == .resetGPU || command.kind == .reboot {
            try await repairAcknowledged(command, success: success, message: message)
        }
        if command.kind == .runDiagnostic {
            try await diagnosticFinished(command, passed: success, message: message)
        }
    }

    /// Live command stream for a connected node.
    nonisolated func connectCommands(nodeID: String) -> AsyncStream<NodeCommand> {
        commands.connect(nodeID)
    }
}
