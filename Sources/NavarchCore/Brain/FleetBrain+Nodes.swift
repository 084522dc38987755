import Foundation

extension FleetBrain {
    /// Registers a node (first time, or again after an agent or control-plane restart). A
    /// machine's first registration needs the join token its provisioning gave it (or an admin
    /// caller) and issues the node its credential; a later one needs that credential. A join
    /// refused for a known instance is recorded, and the call then fails with
    /// ``FleetTransition/failure``.
    public mutating func register(_ registration: Registration) throws -> Node? {
        guard !registration.nodeID.isEmpty else { throw NavarchError.invalidArgument("node_id is required") }
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
        let issuesCredential: Bool
        do { issuesCredential = try admit(registration, instance: instance) } catch {
            // A machine's first registration must carry the token its provisioning gave it;
            // a refusal for a known instance is recorded, others only fail the call.
            guard let known = instance else { throw error }
            record("node.join_refused", error.message, node: registration.nodeID, instance: known.id, pool: known.pool)
            pending.failure = error
            return nil
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
        save(node)
        if issuesCredential, let hash = registration.newCredentialHash { issueCredential(nodeID: node.id, hash: hash) }
        state.heartbeats.watch(node.id, at: now)
        pending.timersChanged = true
        record(
            isNew ? "node.registered" : "node.reregistered",
            "\(registration.gpus.count) GPU(s) \(registration.gpus.first?.model ?? ""), health \(registration.health.rawValue)",
            node: node.id, instance: node.instanceID, pool: node.pool,
            attributes: ["hostname": registration.hostname, "agentVersion": registration.agentVersion])

        if let current = instance {
            var state = current.state
            for event in [InstanceLifecycle.Event.startProvisioning, .provisioned, .register]
            where InstanceLifecycle.allows(event, in: state) && state != .running && state != .registered {
                instance = try transition(instanceID: current.id, on: event, reason: event == .register ? "node \(node.id) registered" : "")
                state = instance?.state ?? state
            }
            try noteInstanceRegistered(pool: current.pool)
        }
        let rebooted = try rebootedNodeRegistered(node.id)
        if previousHealth != node.health || isNew {
            // After a repair's reboot, the registration is the validation, decided above.
            try healthChanged(
                node: nodes[node.id] ?? node, from: isNew ? .unknown : previousHealth,
                result: HealthResult(status: node.health, reason: node.healthReason), remediate: !rebooted)
        }
        try promoteIfReady(nodeID: node.id)
        pending.reconcile = true
        return nodes[node.id] ?? node
    }

    /// Records a heartbeat: the node's deadline moves; nothing is written (the control plane
    /// writes heartbeat times in batches). `heardUntil` says the node goes on heartbeating
    /// every interval until then (the simulator's lease: one input instead of one per heartbeat).
    public mutating func heartbeat(nodeID: String, gpus: [GPU], heardUntil: Date? = nil) throws {
        guard !nodeID.isEmpty else { throw NavarchError.invalidArgument("node_id is required") }
        guard let node = nodes[nodeID] else { throw NavarchError.notFound("node \(nodeID) is not registered") }
        guard node.state != .terminated else { throw NavarchError.failedPrecondition("node \(nodeID) was terminated") }
        state.heard(from: nodeID, at: now, gpus: gpus, until: heardUntil)
    }

    /// Applies a health report: observations become events, a change of verdict goes to the remediator.
    public mutating func reportHealth(nodeID: String, health: HealthStatus, reason: String, observations: [HealthObservation], gpus: [GPU]) throws {
        guard !nodeID.isEmpty else { throw NavarchError.invalidArgument("node_id is required") }
        guard var node = nodes[nodeID] else { throw NavarchError.notFound("node \(nodeID) is not registered") }
        guard node.state != .terminated else { throw NavarchError.failedPrecondition("node \(nodeID) was terminated") }
        var evidence: [Int64] = []
        for observation in observations {
            let target = observation.gpuIndex.map { "GPU \($0)" } ?? "node"
            let count = observation.count > 1 ? " (x\(observation.count))" : ""
            let stored = record(
                "node.observation",
                "\(observation.kind.uppercased()) \(observation.code) on \(target)\(observation.pciAddress.isEmpty ? "" : " at \(observation.pciAddress)")\(count): \(observation.message)",
                node: node.id, instance: node.instanceID, pool: node.pool,
                attributes: [
                    "kind": observation.kind, "code": "\(observation.code)", "pciAddress": observation.pciAddress,
                    "gpuIndex": observation.gpuIndex.map(String.init) ?? "", "verdict": observation.verdict.rawValue,
                    "count": "\(observation.count)", "action": observation.action.rawValue, "rule": observation.rule,
                ].merging(observation.advice.map {
                    ["agentVerdict": $0.verdict.rawValue, "agentAction": $0.action.rawValue, "agentRule": $0.rule]
                } ?? [:]) { kept, _ in kept })
            if stored.sequence > 0 && observation.verdict != .healthy { evidence.append(stored.sequence) }
        }
        guard var current = nodes[nodeID] else { return }
        let previous = current.health
        current.health = health
        current.healthReason = reason
        if !gpus.isEmpty { current.gpus = gpus }
        save(current)
        node = current
        if previous != health || RemediationPlanner.isUnattended(current, instance: instances[current.instanceID]) {
            try healthChanged(node: node, from: previous, result: HealthResult(status: health, reason: reason, observations: observations), evidence: evidence)
        }
        try promoteIfReady(nodeID: nodeID)
    }

    /// Records the change, counts it for the circuit breakers and runs the remediator.
    mutating func healthChanged(
        node: Node, from previous: HealthStatus, result: HealthResult, evidence: [Int64] = [], silent: Bool = false, remediate: Bool = true
    ) throws {
        if previous != result.status {
            record(
                "node.health_changed",
                "\(previous.rawValue) -> \(result.status.rawValue)\(result.reason.isEmpty ? "" : ": \(result.reason)")",
                node: node.id, instance: node.instanceID, pool: node.pool,
                attributes: ["from": previous.rawValue, "to": result.status.rawValue])
            if result.status == .unhealthy { try noteTurnedUnhealthy(node) }
        }
        if remediate { try self.remediate(nodeID: node.id, result: result, evidence: evidence, silent: silent) }
    }

    /// Asks the remediator what to do and does it through the ladder.
    mutating func remediate(nodeID: String, result: HealthResult, evidence: [Int64], silent: Bool) throws {
        guard let node = nodes[nodeID] else { return }
        let action: RemediationAction
        do { action = try remediator.remediate(node, result: result) } catch {
            log(.error, "remediator failed", ["node": node.id, "error": "\(error)"])
            return
        }
        let cause = NodeRemediation.Cause(result: result, requested: action.ladderRung ?? .alert, evidence: evidence, silent: silent)
        try execute(action, on: node.id, cause: cause)
    }

    /// An instance whose node registered and is healthy is running.
    mutating func promoteIfReady(nodeID: String) throws {
        guard let node = nodes[nodeID], node.health == .healthy, let instance = instances[node.instanceID],
              instance.state == .registered
        else { return }
        try transition(instanceID: instance.id, on: .becomeReady, reason: "node \(node.id) is healthy")
        pending.reconcile = true
    }

    /// Marks nodes that stopped heartbeating unhealthy, then takes up the remediations whose
    /// time came. All the nodes found silent at once are counted by the circuit breakers before
    /// any of them is remediated, so that an outage opens the breakers first.
    public mutating func checkHeartbeats() {
        var silent: [(String, HealthResult)] = []
        for nodeID in state.heartbeats.expired(at: now) {
            journal.append(.heartbeatDeadline(nodeID))
            guard var node = nodes[nodeID], node.state != .terminated else {
                state.heartbeats.forget(nodeID)
                continue
            }
            if let instance = instances[node.instanceID], !instance.state.isLive { continue }
            let silence = Int(now.timeIntervalSince(state.heartbeats.lastHeartbeat(of: nodeID, at: now) ?? now))
            let reason = "no heartbeat for \(silence) s"
            let result = HealthResult(status: .unhealthy, reason: reason)
            // Looked at again in a second when it cannot be marked: the node is still silent then.
            let marked = attempt("cannot mark silent node unhealthy", ["node": nodeID]) { brain in
                brain.record("node.heartbeat_missed", reason, node: node.id, instance: node.instanceID, pool: node.pool)
                let previous = node.health
                node.health = .unhealthy
                node.healthReason = reason
                brain.save(node)
                try brain.healthChanged(node: node, from: previous, result: result, silent: true, remediate: false)
                silent.append((nodeID, result))
            }
            if !marked { state.heartbeats.rearm(nodeID, at: now.addingTimeInterval(1)) }
        }
        if !silent.isEmpty {
            attempt("cannot check silent zones and providers") { try $0.checkSilentGroups(of: silent.map(\.0)) }
        }
        for (nodeID, result) in silent {
            attempt("cannot remediate silent node", ["node": nodeID]) { try $0.remediate(nodeID: nodeID, result: result, evidence: [], silent: true) }
        }
        processRemediations()
    }

    /// The node's pending commands, for a fresh `WatchCommands` stream.
    public func commandsToResend(to nodeID: String) throws -> [NodeCommand] {
        guard !nodeID.isEmpty else { throw NavarchError.invalidArgument("node_id is required") }
        guard nodes[nodeID] != nil else { throw NavarchError.notFound("node \(nodeID) is not registered") }
        return pendingCommands(for: nodeID)
    }

    public mutating func acknowledge(nodeID: String, commandID: String, success: Bool, message: String) throws {
        guard !nodeID.isEmpty else { throw NavarchError.invalidArgument("node_id is required") }
        guard !commandID.isEmpty else { throw NavarchError.invalidArgument("command_id is required") }
        guard let node = nodes[nodeID] else { throw NavarchError.notFound("node \(nodeID) is not registered") }
        guard var command = pendingCommands(for: nodeID).first(where: { $0.id == commandID }) else {
            throw NavarchError.notFound("command \(commandID) is not pending for node \(nodeID)")
        }
        command.acknowledgedAt = now
        pending.records.append(.command(command))
        journal.append(.pendingCommands(nodeID, pendingCommands[nodeID]))
        pendingCommands[nodeID]?.removeAll { $0.id == commandID }
        if pendingCommands[nodeID]?.isEmpty == true { pendingCommands[nodeID] = nil }
        record(
            "command.\(success ? "done" : "failed")", "\(command.kind.rawValue)\(message.isEmpty ? "" : ": \(message)")",
            node: nodeID, instance: node.instanceID, pool: node.pool, attributes: ["command": command.kind.rawValue])
        if command.kind == .drain && success && nodes[nodeID]?.state == .draining {
            try transition(nodeID: nodeID, on: .drainCompleted, reason: "node reported drained")
            try startPendingRepair(nodeID: nodeID)
            try startPendingDiagnostic(nodeID: nodeID)
        }
        if command.kind == .resetGPU || command.kind == .reboot {
            try repairAcknowledged(command, success: success, message: message)
        }
        if command.kind == .runDiagnostic {
            try diagnosticFinished(command, passed: success, message: message)
        }
    }
}
